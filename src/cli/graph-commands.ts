/** @module CLI commands for reading the graph: entities list|get, graph neighbors|path|paths|subgraph. */
import type { Command } from 'commander';
import { TrellisError } from '../core/errors.js';
import { isId, normaliseId } from '../core/ids.js';
import { type Direction, type PathResult, type PropertyFilter, maxPathCount, maxSeeds, propertyFilterFromConditions } from '../graph/index.js';
import { globals, tenantOf, withServices } from './context.js';
import { emit, table } from './output.js';

function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || parsed < min || parsed > max)
      throw new TrellisError('bad_request', `--${name} must be an integer from ${min} to ${max}; got ${JSON.stringify(value)}`);
    return parsed;
  };
}

function direction(value: string): Direction {
  if (value !== 'out' && value !== 'in' && value !== 'both')
    throw new TrellisError('bad_request', `--direction must be out, in or both; got ${JSON.stringify(value)}`);
  return value;
}

/** An entity ID argument: a UUID (any case), or a usage error naming it, as HTTP answers 400 for the same ID. */
function entityId(value: string, what = 'entity ID'): string {
  const id = normaliseId(value);
  if (!isId(id)) throw new TrellisError('bad_request', `The ${what} must be a UUID; got ${JSON.stringify(value)}`);
  return id;
}

/** Flags of `graph path` and `graph paths`. */
interface PathFlags {
  tenant?: string;
  maxDepth: number;
  direction: Direction;
  relationTypes?: string;
  entityTypes?: string;
  where?: string[];
}

const list = (value: string | undefined) =>
  value
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
    : undefined;

/** Collects a repeatable flag's values. */
const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The property filter of repeated `--where name=value` / `name>=n` flags; undefined without any. */
const whereOf = (conditions: string[] | undefined): PropertyFilter | undefined =>
  conditions && conditions.length > 0 ? propertyFilterFromConditions(conditions) : undefined;

const whereHelp = 'only entities whose property meets a condition: name=value, name>n, name>=n, name<n, name<=n (repeatable, all must hold)';

/** A path as text: each entity with its type and the relation (and its direction) to the next. */
function pathText(result: { nodes: PathResult['nodes']; edges: PathResult['edges'] }): string {
  const steps = [`${result.nodes[0]?.name} (${result.nodes[0]?.type})`];
  result.edges.forEach((edge, index) => {
    const node = result.nodes[index + 1];
    const forward = edge.from === result.nodes[index]?.id;
    steps.push(`  ${forward ? '─' : '←'}[${edge.type}]${forward ? '→' : '─'} ${node?.name} (${node?.type})`);
  });
  return steps.join('\n');
}

/** Registers `entities …` and `graph …`. */
export function registerGraphCommands(program: Command): void {
  const entities = program.command('entities').description('read entities');
  entities
    .command('list')
    .description('list entities')
    .option('--tenant <slug|id>', 'tenant (default: default)')
    .option('--type <type>', 'only this entity type')
    .option('--q <text>', 'name contains this text')
    .option('--limit <n>', 'page size', integer('limit', 1, 1000), 50)
    .option('--cursor <cursor>', 'continue after a previous page')
    .action(async (flags: { tenant?: string; type?: string; q?: string; limit: number; cursor?: string }, command: Command) => {
      const options = globals(command);
      await withServices(options, async (services) => {
        const page = await services.graph.listEntities(await tenantOf(services, flags.tenant), {
          type: flags.type,
          q: flags.q,
          limit: flags.limit,
          cursor: flags.cursor,
        });
        emit(options.json ?? false, page, () => {
          const body = table(
            ['ID', 'TYPE', 'NAME', 'UPDATED'],
            page.items.map((entity) => [entity.id, entity.type, entity.name, entity.updatedAt]),
          );
          return page.nextCursor ? `${body}\nmore: --cursor ${page.nextCursor}` : body;
        });
      });
    });
  entities
    .command('get <id>')
    .description('show an entity with its aliases, properties and evidence')
    .option('--tenant <slug|id>', 'tenant (default: default)')
    .action(async (id: string, flags: { tenant?: string }, command: Command) => {
      const options = globals(command);
      await withServices(options, async (services) => {
        const entity = await services.graph.getEntity(await tenantOf(services, flags.tenant), entityId(id));
        emit(options.json ?? false, entity, () =>
          [
            `${entity.name}  (${entity.type}, ${entity.id})`,
            `key: ${entity.key}   confidence: ${entity.confidence}`,
            `aliases: ${entity.aliases.join('; ') || '-'}`,
            `properties: ${JSON.stringify(entity.properties)}`,
            'evidence:',
            ...entity.evidence.map(
              (evidence) =>
                `  - ${evidence.extractor}${evidence.source ? ` from ${evidence.source.uri}${evidence.source.page ? ` p.${evidence.source.page}` : ''}` : ''}${evidence.start !== null ? ` [${evidence.start}, ${evidence.end})` : ''}${evidence.quote ? `: "${evidence.quote}"` : ''}`,
            ),
          ].join('\n'),
        );
      });
    });

  const graph = program.command('graph').description('traverse the graph');
  graph
    .command('neighbors <entity>')
    .description('entities within k hops of an entity')
    .option('--tenant <slug|id>', 'tenant (default: default)')
    .option('--depth <k>', 'hops', integer('depth', 1, 5), 1)
    .option('--direction <dir>', 'out, in or both', direction, 'both' as Direction)
    .option('--relation-types <list>', 'follow only these relation types')
    .option('--entity-types <list>', 'visit only these entity types')
    .option('--where <condition>', whereHelp, collect)
    .option('--limit <n>', 'most nodes', integer('limit', 1, 10000), 1000)
    .action(
      async (
        entity: string,
        flags: { tenant?: string; depth: number; direction: Direction; relationTypes?: string; entityTypes?: string; where?: string[]; limit: number },
        command: Command,
      ) => {
        const options = globals(command);
        await withServices(options, async (services) => {
          const result = await services.graph.neighbours(await tenantOf(services, flags.tenant), entityId(entity), {
            depth: flags.depth,
            direction: flags.direction,
            relationTypes: list(flags.relationTypes),
            entityTypes: list(flags.entityTypes),
            where: whereOf(flags.where),
            limit: flags.limit,
          });
          emit(options.json ?? false, result, () =>
            [
              table(
                ['DEPTH', 'ID', 'TYPE', 'NAME'],
                result.nodes.map((node) => [node.depth, node.id, node.type, node.name]),
              ),
              `${result.nodes.length} nodes, ${result.edges.length} relations${result.truncated ? ' (truncated at --limit)' : ''}`,
            ].join('\n'),
          );
        });
      },
    );
  graph
    .command('path <from> <to>')
    .description('a shortest path between two entities')
    .option('--tenant <slug|id>', 'tenant (default: default)')
    .option('--max-depth <k>', 'longest path searched', integer('max-depth', 1, 10), 6)
    .option('--direction <dir>', 'out, in or both', direction, 'both' as Direction)
    .option('--relation-types <list>', 'follow only these relation types')
    .option('--entity-types <list>', 'pass only through entities of these types')
    .option('--where <condition>', whereHelp, collect)
    .action(async (from: string, to: string, flags: PathFlags, command: Command) => {
      const options = globals(command);
      await withServices(options, async (services) => {
        const result = await services.graph.path(await tenantOf(services, flags.tenant), entityId(from, 'start entity ID'), entityId(to, 'end entity ID'), {
          maxDepth: flags.maxDepth,
          direction: flags.direction,
          relationTypes: list(flags.relationTypes),
          entityTypes: list(flags.entityTypes),
          where: whereOf(flags.where),
        });
        emit(options.json ?? false, result, () =>
          result.found ? `${pathText(result)}\nlength ${result.length}` : `no path of at most ${flags.maxDepth} relations`,
        );
      });
    });
  graph
    .command('paths <from> <to>')
    .description('the k shortest loopless paths between two entities, shortest first')
    .option('--tenant <slug|id>', 'tenant (default: default)')
    .option('--k <n>', 'how many paths', integer('k', 1, maxPathCount), 3)
    .option('--max-depth <k>', 'longest path searched', integer('max-depth', 1, 10), 6)
    .option('--direction <dir>', 'out, in or both', direction, 'both' as Direction)
    .option('--relation-types <list>', 'follow only these relation types')
    .option('--entity-types <list>', 'pass only through entities of these types')
    .option('--where <condition>', whereHelp, collect)
    .action(async (from: string, to: string, flags: PathFlags & { k: number }, command: Command) => {
      const options = globals(command);
      await withServices(options, async (services) => {
        const result = await services.graph.paths(await tenantOf(services, flags.tenant), entityId(from, 'start entity ID'), entityId(to, 'end entity ID'), {
          k: flags.k,
          maxDepth: flags.maxDepth,
          direction: flags.direction,
          relationTypes: list(flags.relationTypes),
          entityTypes: list(flags.entityTypes),
          where: whereOf(flags.where),
        });
        emit(options.json ?? false, result, () => {
          if (!result.found) return `no path of at most ${flags.maxDepth} relations`;
          const shown = result.paths.map((path, index) => `#${index + 1}  length ${path.length}\n${pathText(path)}`);
          if (result.truncated) shown.push('(stopped early: the query examined its most relations; narrow it with --max-depth or filters)');
          return shown.join('\n\n');
        });
      });
    });
  graph
    .command('subgraph <seeds...>')
    .description('the seed entities, their neighbourhood to --depth, and every relation among them')
    .option('--tenant <slug|id>', 'tenant (default: default)')
    .option('--depth <k>', 'hops from the seeds', integer('depth', 0, 3), 1)
    .option('--direction <dir>', 'out, in or both', direction, 'both' as Direction)
    .option('--relation-types <list>', 'follow only these relation types')
    .option('--entity-types <list>', 'visit only these entity types')
    .option('--where <condition>', whereHelp, collect)
    .option('--max-nodes <n>', 'most entities', integer('max-nodes', 1, 10000), 1000)
    .option('--max-edges <n>', 'most relations', integer('max-edges', 1, 50000), 5000)
    .action(
      async (
        seeds: string[],
        flags: {
          tenant?: string;
          depth: number;
          direction: Direction;
          relationTypes?: string;
          entityTypes?: string;
          where?: string[];
          maxNodes: number;
          maxEdges: number;
        },
        command: Command,
      ) => {
        const options = globals(command);
        if (seeds.length > maxSeeds) throw new TrellisError('bad_request', `A subgraph takes at most ${maxSeeds} seed entities, not ${seeds.length}`);
        await withServices(options, async (services) => {
          const result = await services.graph.subgraph(
            await tenantOf(services, flags.tenant),
            seeds.map((seed) => entityId(seed, 'seed entity ID')),
            {
              depth: flags.depth,
              direction: flags.direction,
              relationTypes: list(flags.relationTypes),
              entityTypes: list(flags.entityTypes),
              where: whereOf(flags.where),
              maxNodes: flags.maxNodes,
              maxEdges: flags.maxEdges,
            },
          );
          const names = new Map(result.nodes.map((node) => [node.id, node.name]));
          emit(options.json ?? false, result, () =>
            [
              table(
                ['DEPTH', 'ID', 'TYPE', 'NAME'],
                result.nodes.map((node) => [node.depth, node.id, node.type, node.name]),
              ),
              '',
              table(
                ['FROM', 'TYPE', 'TO'],
                result.edges.map((edge) => [names.get(edge.from), edge.type, names.get(edge.to)]),
              ),
              `${result.nodes.length} nodes, ${result.edges.length} relations${result.truncated ? ' (truncated at --max-nodes or --max-edges)' : ''}`,
            ].join('\n'),
          );
        });
      },
    );
}
