/**
 * The exporting process of bench/export.ts, run from JavaScript transpiled from src/ (not through tsx, whose compiler
 * would add its own memory to the peak RSS measured): `file` exports to a file and reports; `http` serves
 * GET /export and reports when asked.
 *   node bench/export-child.js <file|http> <data dir> <format> <what> <citations>
 */
import { createWriteStream, readFileSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { loadConfig } from '../src/core/config.js';
import { openExport } from '../src/exchange/export-stream.js';
import { defaultBase, parseExportFormat, parseSubject } from '../src/exchange/formats.js';
import { buildApp } from '../src/server/app.js';
import { createServices } from '../src/server/services.js';
import { openSqliteStore } from '../src/store/sqlite.js';

const [mode, dataDir = '', format = 'graphml', what = 'graph', citations = '0'] = process.argv.slice(2);
const { tenantId } = JSON.parse(readFileSync(path.join(dataDir, 'bench-export.json'), 'utf8')) as { tenantId: string };
const config = loadConfig({ env: {}, file: undefined, overrides: { dataDir, logLevel: 'silent', rateLimit: 'off', graphProjection: 'off' } });
const store = openSqliteStore({ file: path.join(dataDir, 'trellis.db') });
await store.migrate();
const loop = monitorEventLoopDelay({ resolution: 10 });
const baselineRssMb = process.memoryUsage().rss / 1e6;
const send = (message: unknown) => process.send?.(message);

if (mode === 'file') {
  const request = { format: parseExportFormat(format), what: parseSubject(what), citations: Number(citations), safeCsv: false, base: defaultBase };
  const out = path.join(dataDir, `export.${format}`);
  loop.enable();
  const started = performance.now();
  await pipeline(await openExport({ store, config }, tenantId, request), createWriteStream(out));
  const seconds = (performance.now() - started) / 1000;
  loop.disable();
  const bytes = statSync(out).size;
  rmSync(out, { force: true });
  await store.close();
  send({
    bytes,
    seconds,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    baselineRssMb,
    worstLoopDelayMs: loop.max / 1e6,
    p99LoopDelayMs: loop.percentile(99) / 1e6,
  });
} else {
  const services = createServices(config, store);
  const app = await buildApp(services, { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  loop.enable();
  send({ url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` });
  process.on('message', async () => {
    loop.disable();
    send({ maxRssMb: process.resourceUsage().maxRSS / 1024, baselineRssMb, worstLoopDelayMs: loop.max / 1e6, p99LoopDelayMs: loop.percentile(99) / 1e6 });
    await app.close();
    await store.close();
    process.exit(0);
  });
}
