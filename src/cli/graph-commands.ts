/** @module CLI commands for reading the graph: entities list|get, graph neighbors|path. */
import type { Command } from 'commander';
import { TrellisError } from '../core/errors.js';
import { isId, normaliseId } from '../core/ids.js';
import type { Direction } from '../graph/index.js';
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

const list = (value: string | undefined) =>
  value
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
    : undefined;

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
    .option('--limit <n>', 'most nodes', integer('limit', 1, 10000), 1000)
    .action(
      async (
        entity: string,
        flags: { tenant?: string; depth: number; direction: Direction; relationTypes?: string; entityTypes?: string; limit: number },
        command: Command,
      ) => {
        const options = globals(command);
        await withServices(options, async (services) => {
          const result = await services.graph.neighbours(await tenantOf(services, flags.tenant), entityId(entity), {
            depth: flags.depth,
            direction: flags.direction,
            relationTypes: list(flags.relationTypes),
            entityTypes: list(flags.entityTypes),
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
    .action(async (from: string, to: string, flags: { tenant?: string; maxDepth: number; direction: Direction; relationTypes?: string }, command: Command) => {
      const options = globals(command);
      await withServices(options, async (services) => {
        const result = await services.graph.path(await tenantOf(services, flags.tenant), entityId(from, 'start entity ID'), entityId(to, 'end entity ID'), {
          maxDepth: flags.maxDepth,
          direction: flags.direction,
          relationTypes: list(flags.relationTypes),
        });
        emit(options.json ?? false, result, () => {
          if (!result.found) return `no path of at most ${flags.maxDepth} relations`;
          const steps = [`${result.nodes[0]?.name} (${result.nodes[0]?.type})`];
          result.edges.forEach((edge, index) => {
            const node = result.nodes[index + 1];
            steps.push(
              `  ${edge.from === result.nodes[index]?.id ? '─' : '←'}[${edge.type}]${edge.from === result.nodes[index]?.id ? '→' : '─'} ${node?.name} (${node?.type})`,
            );
          });
          return `${steps.join('\n')}\nlength ${result.length}`;
        });
      });
    });
}
