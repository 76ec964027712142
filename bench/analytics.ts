/**
 * Graph analytics benchmark: PageRank on a generated random graph against a plain single-threaded typed-array loop
 * and graphology (graphology-metrics), whether renumbering nodes by degree helps (on a skewed graph), the other
 * algorithms at the same size, and the cost of reading the analytics CSR from a real store and of writing scores back.
 *   node --import tsx bench/analytics.ts [--nodes 1000000] [--edges 10000000] [--iterations 20] [--threads 2]
 *     [--repeat 3] [--no-graphology] [--graphology-nodes N] [--no-others] [--samples 16]
 *     [--store-entities 200000] [--store-relations 1000000] [--store-driver sqlite|postgres] [--no-store] [--seed 1]
 * Every phase runs in a child process of its own (same seed, so the same graph), so each peak RSS is that phase's
 * alone: generating the edges, building the CSR and iterating. Timings are wall-clock milliseconds, with CPU time
 * beside them where the machine is shared (CPU time counts every thread of the process).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type AnalyticsGraph, degreeOrder, graphFromEdges, renumber } from '../src/graph/analytics/csr.js';
import { preparePageRankFromEdges, runPageRankShare } from '../src/graph/analytics/pagerank.js';
import { seededRandom } from '../src/graph/analytics/random.js';
import { startKernelThreads } from '../src/graph/analytics/threads.js';

// Only what PageRank needs is imported above; each other phase imports its own modules, so a phase's peak RSS holds
// no server, driver or graphology code it does not use.
const { values } = parseArgs({
  options: {
    phase: { type: 'string' },
    nodes: { type: 'string', default: '1000000' },
    edges: { type: 'string', default: '10000000' },
    iterations: { type: 'string', default: '20' },
    threads: { type: 'string', default: '2' },
    repeat: { type: 'string', default: '3' },
    graphology: { type: 'boolean', default: true },
    'no-graphology': { type: 'boolean', default: false },
    'graphology-nodes': { type: 'string' },
    others: { type: 'boolean', default: true },
    'no-others': { type: 'boolean', default: false },
    samples: { type: 'string', default: '16' },
    store: { type: 'boolean', default: true },
    'no-store': { type: 'boolean', default: false },
    'store-entities': { type: 'string', default: '200000' },
    'store-relations': { type: 'string', default: '1000000' },
    'store-driver': { type: 'string', default: 'sqlite' },
    seed: { type: 'string', default: '1' },
  },
});
const nodeCount = Number(values.nodes);
const edgeCount = Number(values.edges);
const iterations = Number(values.iterations);
const threads = Number(values.threads);
const seed = Number(values.seed);
const damping = 0.85;

const megabytes = (bytes: number) => Math.round(bytes / 1024 / 1024);
/** Peak resident set of this process so far, in MB. */
const peakRss = () => Math.round(process.resourceUsage().maxRSS / 1024);
const time = <T>(work: () => T): [T, number] => {
  const started = performance.now();
  const result = work();
  return [result, performance.now() - started];
};

/** The random graph: `edges` edges with endpoints uniform over `nodes` nodes (repeats and self-loops allowed). */
function generate(nodes: number, edges: number): { from: Uint32Array; to: Uint32Array } {
  const random = seededRandom(seed);
  const from = new Uint32Array(edges);
  const to = new Uint32Array(edges);
  for (let edge = 0; edge < edges; edge++) {
    from[edge] = Math.floor(random() * nodes);
    to[edge] = Math.floor(random() * nodes);
  }
  return { from, to };
}

/** Prints a phase's figures as one JSON line for the parent, with the machine's load average at the end of the phase. */
function report(figures: Record<string, unknown>): void {
  console.log(`RESULT ${JSON.stringify({ ...figures, peakRssMb: peakRss(), load: os.loadavg()[0] })}`);
}

/** The baseline: pull iteration over the incoming CSR, Float64 scores, score / out-degree per edge, one thread. */
function plainLoop(graph: AnalyticsGraph, count: number): Float64Array {
  const { nodeCount: n, inStart, inSource, outStart } = graph;
  const outDegree = new Uint32Array(n);
  for (let node = 0; node < n; node++) outDegree[node] = (outStart[node + 1] as number) - (outStart[node] as number);
  let scores: Float64Array = new Float64Array(n).fill(1 / n);
  let next: Float64Array = new Float64Array(n);
  for (let iteration = 0; iteration < count; iteration++) {
    let dangling = 0;
    for (let node = 0; node < n; node++) if (outDegree[node] === 0) dangling += scores[node] as number;
    const base = (1 - damping) / n + (damping * dangling) / n;
    for (let node = 0; node < n; node++) {
      let sum = 0;
      for (let position = inStart[node] as number; position < (inStart[node + 1] as number); position++) {
        const source = inSource[position] as number;
        sum += (scores[source] as number) / (outDegree[source] as number);
      }
      next[node] = base + damping * sum;
    }
    [scores, next] = [next, scores];
  }
  return scores;
}

async function baselinePhase(): Promise<void> {
  const [{ from, to }, generateMs] = time(() => generate(nodeCount, edgeCount));
  const [graph, buildMs] = time(() => graphFromEdges(nodeCount, from, to, edgeCount));
  const runs: number[] = [];
  const cpuRuns: number[] = [];
  let scores: Float64Array = new Float64Array(0);
  for (let run = 0; run < Number(values.repeat); run++) {
    const cpu = process.cpuUsage();
    const [result, ms] = time(() => plainLoop(graph, iterations));
    const used = process.cpuUsage(cpu);
    scores = result;
    runs.push(ms);
    cpuRuns.push((used.user + used.system) / 1000);
  }
  report({ phase: 'baseline', generateMs, buildMs, runs, cpuRuns, checksum: scores[0] });
}

async function oursPhase(): Promise<void> {
  const [{ from, to }, generateMs] = time(() => generate(nodeCount, edgeCount));
  const [order, orderMs] = time(() => {
    const numbering = degreeOrder(nodeCount, from, to, edgeCount);
    renumber(from, to, edgeCount, numbering.newOf);
    return numbering;
  });
  const beforeThreads = performance.now();
  const team = await startKernelThreads(threads);
  const threadsMs = performance.now() - beforeThreads;
  const params = { damping, tolerance: 0, maxIterations: iterations };
  // The pull CSR (incoming rows, sorted) and 1/out-degree, built straight into the kernel's memory.
  const [task, buildMs] = time(() => preparePageRankFromEdges(nodeCount, from, to, edgeCount, 'out', params, team.size));
  const rssBeforeIterations = megabytes(process.memoryUsage().rss);
  const runs: number[] = [];
  const cpuRuns: number[] = [];
  for (let run = 0; run < Number(values.repeat); run++) {
    const cpu = process.cpuUsage();
    const [outcome, ms] = time(() => (team.size > 1 ? team.pageRank(task) : runPageRankShare(task, 0)));
    const used = process.cpuUsage(cpu);
    if (outcome.iterations !== iterations) throw new Error(`ran ${outcome.iterations} iterations`);
    runs.push(ms);
    cpuRuns.push((used.user + used.system) / 1000);
  }
  const rssAfter = megabytes(process.memoryUsage().rss);
  const peakPageRank = peakRss();
  // The score of original node 0, to compare with the baseline's.
  const checksum = task.scores[order.newOf[0] as number];
  // What helps: the same kernel on one thread, and the graph in generated order (no degree renumbering).
  const [, singleThreadMs] = time(() => runPageRankShare({ ...task, threads: 1, bounds: Uint32Array.of(0, nodeCount) }, 0));
  renumber(from, to, edgeCount, order.oldOf);
  const unordered = preparePageRankFromEdges(nodeCount, from, to, edgeCount, 'out', params, team.size);
  const [, generatedOrderMs] = time(() => team.pageRank(unordered));
  await team.close();
  report({
    phase: 'ours',
    threads: team.size,
    generateMs,
    orderMs,
    buildMs,
    threadsMs,
    runs,
    cpuRuns,
    singleThreadMs,
    generatedOrderMs,
    rssBeforeIterationsMb: rssBeforeIterations,
    rssAfterMb: rssAfter,
    peakPageRankMb: peakPageRank,
    checksum,
  });
}

/**
 * What the kernel's choices are worth, one thread, CPU time, on the same pull CSR: the WebAssembly kernel, the same
 * loop in JavaScript with Float32 contributions, and in JavaScript with Float64 contributions.
 */
async function kernelsPhase(): Promise<void> {
  const { from, to } = generate(nodeCount, edgeCount);
  const params = { damping, tolerance: 0, maxIterations: iterations };
  const task = preparePageRankFromEdges(nodeCount, from, to, edgeCount, 'out', params, 1);
  const { inStart, inSource, inverseOutDegree } = task;
  const javascript = (contributions: Float32Array | Float64Array) => {
    const scores = new Float64Array(nodeCount).fill(1 / nodeCount);
    for (let iteration = 0; iteration < iterations; iteration++) {
      let dangling = 0;
      for (let node = 0; node < nodeCount; node++) {
        const inverse = inverseOutDegree[node] as number;
        contributions[node] = (scores[node] as number) * inverse;
        if (inverse === 0) dangling += scores[node] as number;
      }
      const base = (1 - damping) / nodeCount + (damping * dangling) / nodeCount;
      let position = inStart[0] as number;
      for (let node = 0; node < nodeCount; node++) {
        const end = inStart[node + 1] as number;
        let sum = 0;
        for (; position < end; position++) sum += contributions[inSource[position] as number] as number;
        scores[node] = base + damping * sum;
      }
    }
    return scores;
  };
  const cpu = (work: () => unknown) => {
    const before = process.cpuUsage();
    work();
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1000;
  };
  const wasmRuns: number[] = [];
  const float32Runs: number[] = [];
  const float64Runs: number[] = [];
  let largestDifference = 0;
  for (let run = 0; run < Number(values.repeat); run++) {
    wasmRuns.push(cpu(() => runPageRankShare(task, 0)));
    let scores = new Float64Array(0);
    float32Runs.push(cpu(() => (scores = javascript(new Float32Array(nodeCount)))));
    float64Runs.push(cpu(() => javascript(new Float64Array(nodeCount))));
    for (let node = 0; node < nodeCount; node++)
      largestDifference = Math.max(largestDifference, Math.abs((scores[node] as number) - (task.scores[node] as number)));
  }
  report({ phase: 'kernels', wasmRuns, float32Runs, float64Runs, largestDifference });
}

/** Whether renumbering by degree helps: the kernel's CPU time on one thread, generated order against degree order, on a skewed graph. */
async function orderPhase(): Promise<void> {
  const { shuffle } = await import('../src/graph/analytics/random.js');
  const random = seededRandom(seed + 1);
  // Endpoints drawn with density ~ u³ (a few nodes take most relations, as in real graphs), scattered over the numbering.
  const scatter = shuffle(
    Uint32Array.from({ length: nodeCount }, (_, node) => node),
    random,
  );
  const from = new Uint32Array(edgeCount);
  const to = new Uint32Array(edgeCount);
  for (let edge = 0; edge < edgeCount; edge++) {
    from[edge] = scatter[Math.floor(nodeCount * random() ** 3)] as number;
    to[edge] = scatter[Math.floor(nodeCount * random() ** 3)] as number;
  }
  const params = { damping, tolerance: 0, maxIterations: iterations };
  const generated = preparePageRankFromEdges(nodeCount, from, to, edgeCount, 'out', params, 1);
  const numbering = degreeOrder(nodeCount, from, to, edgeCount);
  renumber(from, to, edgeCount, numbering.newOf);
  const ordered = preparePageRankFromEdges(nodeCount, from, to, edgeCount, 'out', params, 1);
  const cpu = (task: typeof ordered) => {
    const before = process.cpuUsage();
    runPageRankShare(task, 0);
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1000;
  };
  const generatedRuns: number[] = [];
  const orderedRuns: number[] = [];
  for (let run = 0; run < Number(values.repeat); run++) {
    generatedRuns.push(cpu(generated));
    orderedRuns.push(cpu(ordered));
  }
  report({ phase: 'order', generatedRuns, orderedRuns, hubShare: (ordered.inStart[Math.ceil(nodeCount / 100)] as number) / edgeCount });
}

async function graphologyPhase(): Promise<void> {
  const { MultiDirectedGraph } = await import('graphology');
  const require = createRequire(import.meta.url);
  const pagerank = require('graphology-metrics/centrality/pagerank.js') as typeof import('graphology-metrics/centrality/pagerank.js').default;
  const [{ from, to }, generateMs] = time(() => generate(nodeCount, edgeCount));
  const [graph, buildMs] = time(() => {
    const built = new MultiDirectedGraph();
    for (let node = 0; node < nodeCount; node++) built.addNode(node);
    for (let edge = 0; edge < edgeCount; edge++) built.addEdge(from[edge] as number, to[edge] as number);
    return built;
  });
  const rssBuilt = megabytes(process.memoryUsage().rss);
  // graphology throws when it has not converged within maxIterations: with tolerance 0 it runs exactly `iterations`.
  const [, pagerankMs] = time(() => {
    try {
      pagerank(graph, { alpha: damping, maxIterations: iterations, tolerance: 0, getEdgeWeight: null });
    } catch (error) {
      if (!/failed to converge/.test((error as Error).message)) throw error;
    }
  });
  report({ phase: 'graphology', generateMs, buildMs, pagerankMs, rssBuiltMb: rssBuilt });
}

async function othersPhase(): Promise<void> {
  const { betweennessScores, prepareBetweenness, sampleSources } = await import('../src/graph/analytics/betweenness.js');
  const { strongComponents, weakComponents } = await import('../src/graph/analytics/components.js');
  const { simple } = await import('../src/graph/analytics/csr.js');
  const { louvain } = await import('../src/graph/analytics/louvain.js');
  const { from, to } = generate(nodeCount, edgeCount);
  const [graph, buildMs] = time(() => graphFromEdges(nodeCount, from, to, edgeCount));
  const [weak, weakMs] = time(() => weakComponents(graph));
  const [strong, strongMs] = time(() => strongComponents(graph));
  const [communities, louvainMs] = time(() => louvain(nodeCount, from, to, edgeCount, { resolution: 1, seed: 1, maxLevels: 32, maxPasses: 64 }));
  const team = await startKernelThreads(threads);
  const samples = Number(values.samples);
  const [paths, simpleMs] = time(() => simple(graph));
  const [, betweennessMs] = time(() => {
    const task = prepareBetweenness(paths, sampleSources(nodeCount, samples, seededRandom(1)), team.size);
    team.betweenness(task);
    return betweennessScores(task, { undirected: false, normalized: true });
  });
  await team.close();
  report({
    phase: 'others',
    buildMs,
    weakMs,
    weakComponents: weak.sizes.length,
    strongMs,
    strongComponents: strong.sizes.length,
    louvainMs,
    communities: communities.sizes.length,
    modularity: communities.modularity,
    levels: communities.levels,
    simpleMs,
    betweennessMs,
    samples,
    threads: team.size,
  });
}

async function storePhase(): Promise<void> {
  const { loadConfig } = await import('../src/core/config.js');
  const { newId } = await import('../src/core/ids.js');
  const { buildProjection } = await import('../src/graph/projection-build.js');
  const { createServices } = await import('../src/server/services.js');
  const { openPostgresStore } = await import('../src/store/postgres.js');
  const { openSqliteStore } = await import('../src/store/sqlite.js');
  const { buildGraph, createBenchDatabase } = await import('./corpus.js');
  const entities = Number(values['store-entities']);
  const relations = Number(values['store-relations']);
  const postgres = values['store-driver'] === 'postgres';
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-analytics-'));
  const database = postgres ? await createBenchDatabase('trellis_bench_analytics') : null;
  const store = database ? openPostgresStore({ url: database.url, role: 'trellis_app', poolSize: 4 }) : openSqliteStore({ file: path.join(dir, 'trellis.db') });
  await store.migrate();
  try {
    const config = loadConfig({
      env: {},
      file: undefined,
      overrides: { logLevel: 'silent', dataDir: dir, analyticsThreads: threads, ...(database ? { databaseUrl: database.url } : {}) },
    });
    const services = createServices(config, store);
    const tenantId = newId();
    await store.transaction('system', (tx) =>
      tx.run('INSERT INTO tenants (id, slug, name, created_at) VALUES (?, ?, ?, ?)', [tenantId, 'bench', 'bench', new Date().toISOString()]),
    );
    const built = await buildGraph(services.graph, tenantId, { entities, relations, batch: 10_000 });
    const source = database ? { dialect: 'postgres' as const, url: database.url, role: 'trellis_app' } : { dialect: 'sqlite' as const, file: store.location };
    // The analytics worker's read, here on this thread: the same reader and options, timed alone.
    const started = performance.now();
    const projection = await buildProjection(source, tenantId, 100_000_000, { relationIds: false, incoming: false });
    const readMs = performance.now() - started;
    const projectionMb =
      'arrays' in projection
        ? megabytes(Object.values(projection.arrays).reduce((sum: number, value) => sum + (ArrayBuffer.isView(value) ? value.byteLength : 0), 0))
        : 0;
    const run = await services.analytics.run(tenantId, 'pagerank', { iterations, tolerance: 1e-9 });
    const writeBack = await services.analytics.run(tenantId, 'pagerank', { iterations, tolerance: 1e-9, writeBack: true });
    await services.analytics.close();
    report({
      phase: 'store',
      driver: postgres ? 'postgres' : 'sqlite',
      entities,
      relations,
      loadEntitiesSeconds: built.entitySeconds,
      loadRelationsSeconds: built.relationSeconds,
      readMs,
      projectionMb,
      serviceReadMs: run.milliseconds.read,
      serviceComputeMs: run.milliseconds.compute,
      serviceTotalMs: run.milliseconds.total,
      writeBackMs: writeBack.writtenBack?.milliseconds,
      writeBackUpdated: writeBack.writtenBack?.updated,
    });
  } finally {
    await store.close();
    await database?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What the phases print (each reads its own fields). */
interface Figures {
  peakRssMb: number;
  generateMs: number;
  buildMs: number;
  runs: number[];
  /** CPU time of each run, all threads together (wall time is noisy on a shared machine). */
  cpuRuns: number[];
  checksum: number;
  /** One-minute load average when the phase ended (2 means both cores busy). */
  load: number;
  // ours
  threads: number;
  orderMs: number;
  threadsMs: number;
  peakPageRankMb: number;
  singleThreadMs: number;
  generatedOrderMs: number;
  rssBeforeIterationsMb: number;
  rssAfterMb: number;
  // graphology
  pagerankMs: number;
  rssBuiltMb: number;
  // others
  weakMs: number;
  weakComponents: number;
  strongMs: number;
  strongComponents: number;
  louvainMs: number;
  communities: number;
  modularity: number;
  levels: number;
  simpleMs: number;
  betweennessMs: number;
  samples: number;
  // kernels
  wasmRuns: number[];
  float32Runs: number[];
  float64Runs: number[];
  largestDifference: number;
  // order
  generatedRuns: number[];
  orderedRuns: number[];
  hubShare: number;
  // store
  driver: string;
  entities: number;
  relations: number;
  loadEntitiesSeconds: number;
  loadRelationsSeconds: number;
  readMs: number;
  projectionMb: number;
  serviceReadMs: number;
  serviceComputeMs: number;
  serviceTotalMs: number;
  writeBackMs: number;
  writeBackUpdated: number;
}

/** Runs a phase in a child process and returns its figures. */
function child(phase: string, extra: string[] = [], nodeFlags: string[] = []): Figures {
  const script = fileURLToPath(import.meta.url);
  const args = [...nodeFlags, '--import', 'tsx', script, '--phase', phase, ...process.argv.slice(2).filter((arg) => !arg.startsWith('--phase')), ...extra];
  const output = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  const line = output.split('\n').find((text) => text.startsWith('RESULT '));
  if (!line) throw new Error(`phase ${phase} printed no result:\n${output}`);
  return JSON.parse(line.slice(7));
}

/** The load average a phase ended at, to read its wall times by (2 = both cores busy). */
const loadOf = (figures: Figures) => ` [load ${figures.load.toFixed(1)}]`;
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] as number;
const ms = (value: number) => `${Math.round(value)} ms`;

async function main(): Promise<void> {
  const phases: Record<string, () => Promise<void>> = {
    baseline: baselinePhase,
    ours: oursPhase,
    order: orderPhase,
    kernels: kernelsPhase,
    // What a process of this script costs before it does anything (Node, tsx's loader thread, the imports above).
    bare: async () => report({ phase: 'bare' }),
    graphology: graphologyPhase,
    others: othersPhase,
    store: storePhase,
  };
  if (values.phase) return (phases[values.phase] as () => Promise<void>)();

  console.log(
    `analytics bench: ${nodeCount} nodes, ${edgeCount} random edges, PageRank ${iterations} iterations, ${threads} threads, node ${process.version}, ${os.cpus().length} CPUs`,
  );
  const ours = child('ours');
  const oursBest = Math.min(...ours.runs);
  console.log(
    `ours: generate ${ms(ours.generateMs)}, degree order ${ms(ours.orderMs)}, pull CSR into the kernel's memory ${ms(ours.buildMs)}, start ${ours.threads - 1} helper thread(s) ${ms(ours.threadsMs)}`,
  );
  console.log(
    `ours: PageRank ${iterations} iterations on ${ours.threads} threads ${ours.runs.map(ms).join(', ')} (best ${ms(oursBest)}, median ${ms(median(ours.runs))}); CPU ${ours.cpuRuns.map(ms).join(', ')}${loadOf(ours)}`,
  );
  console.log(
    `ours: same kernel on 1 thread ${ms(ours.singleThreadMs)}; ${ours.threads} threads on the generated node order (no degree renumbering) ${ms(ours.generatedOrderMs)}`,
  );
  console.log(
    `ours: RSS before iterating ${ours.rssBeforeIterationsMb} MB, after ${ours.rssAfterMb} MB; peak of the process through PageRank (incl. generating the edges) ${ours.peakPageRankMb} MB`,
  );
  const bare = child('bare');
  console.log(`(a bare process of this script, Node + tsx + the PageRank modules: peak RSS ${bare.peakRssMb} MB)`);
  const baseline = child('baseline');
  const baselineBest = Math.min(...baseline.runs);
  console.log(
    `baseline (plain single-threaded typed-array loop): build CSR ${ms(baseline.buildMs)}, ${iterations} iterations ${baseline.runs.map(ms).join(', ')} (best ${ms(baselineBest)}; CPU ${baseline.cpuRuns.map(ms).join(', ')}), peak RSS ${baseline.peakRssMb} MB${loadOf(baseline)}`,
  );
  console.log(
    `ours vs baseline: ${(baselineBest / oursBest).toFixed(2)}x faster (CPU ${(Math.min(...baseline.cpuRuns) / Math.min(...ours.cpuRuns)).toFixed(2)}x less); same scores: |Δ| at node 0 = ${Math.abs(baseline.checksum - ours.checksum).toExponential(2)}`,
  );

  const kernels = child('kernels');
  console.log(
    `kernel choices, 1 thread, CPU: WebAssembly ${kernels.wasmRuns.map(ms).join(', ')}; same loop in JavaScript, Float32 contributions ${kernels.float32Runs.map(ms).join(', ')}; Float64 contributions ${kernels.float64Runs.map(ms).join(', ')}; largest score difference ${kernels.largestDifference.toExponential(1)}${loadOf(kernels)}`,
  );
  const order = child('order');
  console.log(
    `node order on a skewed graph (endpoints ~ u³; ${(order.hubShare * 100).toFixed(0)} % of relations end at the busiest 1 % of nodes), 1 thread, CPU: generated order ${order.generatedRuns.map(ms).join(', ')}; degree order ${order.orderedRuns.map(ms).join(', ')}${loadOf(order)}`,
  );

  if (values.graphology && !values['no-graphology']) {
    const smaller = values['graphology-nodes'] ? Number(values['graphology-nodes']) : nodeCount;
    const scaled = ['--nodes', String(smaller), '--edges', String(Math.round((edgeCount * smaller) / nodeCount))];
    const graphology = child('graphology', smaller === nodeCount ? [] : scaled, ['--max-old-space-size=12288']);
    const oursThere = smaller === nodeCount ? ours : child('ours', scaled);
    const oursThereBest = Math.min(...oursThere.runs);
    console.log(
      `graphology at ${smaller} nodes: build ${ms(graphology.buildMs)}, PageRank ${iterations} iterations ${ms(graphology.pagerankMs)}, RSS after build ${graphology.rssBuiltMb} MB, peak ${graphology.peakRssMb} MB${loadOf(graphology)}`,
    );
    console.log(
      `ours vs graphology at ${smaller} nodes (same graph, same run): ${(graphology.pagerankMs / oursThereBest).toFixed(1)}x faster (${ms(oursThereBest)} vs ${ms(graphology.pagerankMs)})`,
    );
  }

  if (values.others && !values['no-others']) {
    const others = child('others');
    console.log(
      `others at ${nodeCount}/${edgeCount}: weak components ${ms(others.weakMs)} (${others.weakComponents}), strong components ${ms(others.strongMs)} (${others.strongComponents}), Louvain ${ms(others.louvainMs)} (${others.communities} communities, modularity ${Number(others.modularity).toFixed(4)}, ${others.levels} levels), betweenness ${others.samples} sampled sources on ${others.threads} threads ${ms(others.betweennessMs)} (+ simple graph ${ms(others.simpleMs)}), peak RSS ${others.peakRssMb} MB${loadOf(others)}`,
    );
  }

  if (values.store && !values['no-store']) {
    const store = child('store');
    console.log(
      `store (${store.driver}) ${store.entities} entities / ${store.relations} relations: loaded in ${Number(store.loadEntitiesSeconds).toFixed(1)} s + ${Number(store.loadRelationsSeconds).toFixed(1)} s; analytics read (projection reader) ${ms(store.readMs)} (${store.projectionMb} MB of arrays)`,
    );
    console.log(
      `store: analytics.run pagerank through the worker: read ${ms(store.serviceReadMs)}, compute ${ms(store.serviceComputeMs)}, total ${ms(store.serviceTotalMs)}; write-back of ${store.writeBackUpdated} scores ${ms(store.writeBackMs)} (${Math.round(store.writeBackUpdated / (store.writeBackMs / 1000))} entities/s)${loadOf(store)}`,
    );
  }
}

await main();
