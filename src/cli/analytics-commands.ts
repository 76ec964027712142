/** @module CLI commands for graph analytics: `trellis analytics pagerank|degree|betweenness|components|communities`. */
import type { Command } from 'commander';
import { TrellisError } from '../core/errors.js';
import { type Algorithm, type AnalyticsResult, maxTop, pageOf } from '../graph/analytics/index.js';
import { globals, tenantOf, withServices } from './context.js';
import { emit, table } from './output.js';

/** A numeric flag: any finite number (the algorithm's schema checks the range and says what is allowed). */
function numberFlag(name: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed)) throw new TrellisError('bad_request', `--${name} must be a number; got ${JSON.stringify(value)}`);
    return parsed;
  };
}

function integerFlag(name: string, min: number, max: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || parsed < min || parsed > max)
      throw new TrellisError('bad_request', `--${name} must be an integer from ${min} to ${max}; got ${JSON.stringify(value)}`);
    return parsed;
  };
}

const list = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** Flags every algorithm shares, as commander gives them. */
interface CommonFlags {
  tenant?: string;
  relationTypes?: string[];
  entityTypes?: string[];
  top: number;
  offset: number;
  writeBack?: boolean;
  property?: string;
}

/** Numbers shown in the table: scores with 6 significant digits, integers as they are. */
function cell(value: string | number): string | number {
  return typeof value === 'number' && !Number.isInteger(value) ? Number(value.toPrecision(6)) : value;
}

/** The one-line summary under the table. */
function summaryLine(result: AnalyticsResult): string {
  const facts = Object.entries(result.summary).map(
    ([name, value]) => `${name} ${typeof value === 'number' && !Number.isInteger(value) ? value.toPrecision(4) : value}`,
  );
  const written = result.writtenBack ? `; wrote ${result.writtenBack.property} to ${result.writtenBack.updated} entities` : '';
  return [
    `${result.entities} entities, ${result.relations} relations`,
    ...(facts.length > 0 ? [facts.join(', ')] : []),
    `${Math.round(result.milliseconds.total)} ms${written}`,
  ].join('; ');
}

function addCommon(command: Command): Command {
  return command
    .option('--tenant <slug|id>', 'tenant (default: default)')
    .option('--relation-types <list>', 'only relations of these types (comma-separated)', list)
    .option('--entity-types <list>', 'only entities of these types and the relations between them', list)
    .option('--top <n>', 'rows shown', integerFlag('top', 1, maxTop), 20)
    .option('--offset <n>', 'rows of the ranking skipped', integerFlag('offset', 0, 1_000_000_000), 0)
    .option('--write-back', "write each entity's value into its properties")
    .option('--property <name>', 'property name for --write-back (default: the algorithm name)');
}

/** Registers `analytics …`. */
export function registerAnalyticsCommands(program: Command): void {
  const analytics = program
    .command('analytics')
    .description('graph analytics on a tenant: PageRank, degree, betweenness, components, communities (docs/analytics.md)');

  const run = async (algorithm: Algorithm, flags: CommonFlags, specific: Record<string, unknown>, command: Command) => {
    const options = globals(command);
    await withServices(options, async (services) => {
      const params: Record<string, unknown> = { ...specific };
      if (flags.relationTypes) params.relationTypes = flags.relationTypes;
      if (flags.entityTypes) params.entityTypes = flags.entityTypes;
      if (flags.writeBack) params.writeBack = true;
      if (flags.property !== undefined) params.property = flags.property;
      try {
        const result = await services.analytics.run(await tenantOf(services, flags.tenant), algorithm, params);
        emit(options.json ?? false, pageOf(result, flags.offset, flags.top), () => {
          const columns = result.columns.map((column) => column.name.replace(/([A-Z])/g, '_$1').toUpperCase());
          return `${table(
            columns,
            result.rows(flags.offset, flags.top).map((row) => row.map(cell)),
          )}\n${summaryLine(result)}`;
        });
      } finally {
        await services.analytics.close();
      }
    });
  };

  addCommon(analytics.command('pagerank').description('PageRank of every entity'))
    .option('--damping <d>', 'probability of following a relation, in (0, 1)', numberFlag('damping'), 0.85)
    .option('--iterations <n>', 'most iterations (1 to 1000)', numberFlag('iterations'), 100)
    .option('--tolerance <t>', 'converged when the L1 change is below entities × tolerance', numberFlag('tolerance'), 1e-6)
    .option('--direction <dir>', 'out, in or both', 'out')
    .action((flags: CommonFlags & { damping: number; iterations: number; tolerance: number; direction: string }, command: Command) =>
      run('pagerank', flags, { damping: flags.damping, iterations: flags.iterations, tolerance: flags.tolerance, direction: flags.direction }, command),
    );

  addCommon(analytics.command('degree').description('relations in, out and in total at each entity'))
    .option('--mode <mode>', 'in, out or total: the degree that ranks and is written back', 'total')
    .action((flags: CommonFlags & { mode: string }, command: Command) => run('degree', flags, { mode: flags.mode }, command));

  addCommon(analytics.command('betweenness').description('betweenness centrality (exact up to 5,000 entities, else sampled sources)'))
    .option('--direction <dir>', 'out, in or both', 'out')
    .option('--samples <n>', 'source entities sampled (default: exact up to 5,000 entities, else 64)', numberFlag('samples'))
    .option('--seed <n>', 'seed of the sample', numberFlag('seed'), 1)
    .option('--no-normalized', 'raw path counts instead of dividing by (n − 1)(n − 2)')
    .action((flags: CommonFlags & { direction: string; samples?: number; seed: number; normalized: boolean }, command: Command) =>
      run(
        'betweenness',
        flags,
        { direction: flags.direction, seed: flags.seed, normalized: flags.normalized, ...(flags.samples === undefined ? {} : { samples: flags.samples }) },
        command,
      ),
    );

  addCommon(analytics.command('components').description('connected components, largest first'))
    .option('--mode <mode>', 'weak or strong', 'weak')
    .action((flags: CommonFlags & { mode: string }, command: Command) => run('components', flags, { mode: flags.mode }, command));

  addCommon(analytics.command('communities').description('Louvain communities and their modularity'))
    .option('--resolution <r>', 'modularity resolution: above 1 gives smaller communities', numberFlag('resolution'), 1)
    .option('--seed <n>', 'seed of the visiting order', numberFlag('seed'), 1)
    .action((flags: CommonFlags & { resolution: number; seed: number }, command: Command) =>
      run('communities', flags, { resolution: flags.resolution, seed: flags.seed }, command),
    );
}
