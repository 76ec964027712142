/** @module `trellis search`: the same hybrid search as `GET /search`, printed as ranked results with their citations. */
import type { Command } from 'commander';
import { TrellisError } from '../core/errors.js';
import type { SearchResponse, SearchResult } from '../search/index.js';
import { searchLimits } from '../search/index.js';
import { searchRequestOf } from '../search/routes.js';
import { globals, tenantOf, withServices } from './context.js';
import { emit, limitFlag } from './output.js';

interface SearchFlags {
  tenant?: string;
  mode: string;
  kinds?: string;
  limit: number;
  types?: string;
  sources?: string;
  since?: string;
  until?: string;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Where a citation points, as a reader would look it up: file, page, character span. */
function place(result: SearchResult): string {
  const citation = result.citations[0];
  if (!citation) return 'no citation';
  const page = citation.page === null ? '' : ` p.${citation.page}`;
  const span = citation.start === null ? '' : ` [${citation.start}–${citation.end}]`;
  return `${citation.title ?? citation.uri}${page}${span}`;
}

function signalsOf(result: SearchResult): string {
  return (['text', 'vector', 'graph'] as const)
    .filter((signal) => result.signals[signal])
    .map((signal) => `${signal}#${result.signals[signal]?.rank}`)
    .join(' ');
}

/** The human listing: one block per result, best first. */
export function formatSearch(response: SearchResponse): string {
  if (response.results.length === 0) return `no results for ${JSON.stringify(response.query)} (${response.mode}, ${response.milliseconds} ms)`;
  const lines: string[] = [];
  response.results.forEach((result, index) => {
    const head =
      result.kind === 'entity' && result.entity
        ? `${index + 1}. ${result.entity.name}  (${result.entity.type}, ${result.id})`
        : result.kind === 'memory' && result.memory
          ? `${index + 1}. ${result.memory.kind} ${result.memory.title === null ? result.id : `"${oneLine(result.memory.title)}"`}  (${result.memory.uri})`
          : `${index + 1}. passage ${result.id}  ${place(result)}`;
    lines.push(`${head}\n   score ${result.score.toFixed(4)}  ${signalsOf(result)}`);
    if (result.kind === 'passage' || result.kind === 'memory') lines.push(`   "${oneLine(result.snippet)}"`);
    else
      for (const citation of result.citations)
        lines.push(`   cites ${citation.title ?? citation.uri}${citation.page === null ? '' : ` p.${citation.page}`}: "${oneLine(citation.snippet ?? '')}"`);
  });
  const used = (['text', 'vector', 'graph'] as const)
    .map((signal) => {
      const report = response.signals[signal];
      return report.used ? `${signal} ${report.hits} in ${report.milliseconds} ms` : report.note ? `${signal}: ${report.note}` : null;
    })
    .filter(Boolean)
    .join('; ');
  lines.push(`${response.results.length} results, ${response.mode}, ${response.milliseconds} ms (${used})`);
  return lines.join('\n');
}

/** Registers `search <query...>`. */
export function registerSearchCommands(program: Command): void {
  program
    .command('search <words...>')
    .description('find passages and entities (and memories with --kinds): full-text, vector and graph signals fused, with citations')
    .option('--tenant <slug|id>', 'tenant (default: default)')
    .option('--mode <mode>', 'hybrid, text or vector', 'hybrid')
    .option('--kinds <kinds>', 'passage, entity, memory, comma-separated (default passage,entity)')
    .option('--limit <n>', `results (1–${searchLimits.maxLimit})`, (value: string) => limitFlag(value, searchLimits.maxLimit), searchLimits.defaultLimit)
    .option('--types <types>', 'entity types to keep, comma-separated')
    .option('--sources <ids>', 'source IDs to keep, comma-separated')
    .option('--since <time>', 'passages of sources created (entities updated) at or after this ISO time')
    .option('--until <time>', 'at or before this ISO time')
    .action(async (words: string[], flags: SearchFlags, command: Command) => {
      const options = globals(command);
      const q = words.join(' ');
      if (flags.mode !== 'hybrid' && flags.mode !== 'text' && flags.mode !== 'vector')
        throw new TrellisError('bad_request', `--mode must be hybrid, text or vector; got ${JSON.stringify(flags.mode)}`);
      if (flags.kinds !== undefined && !/^(passage|entity|memory)(,(passage|entity|memory)){0,2}$/.test(flags.kinds))
        throw new TrellisError('bad_request', `--kinds must list passage, entity or memory, comma-separated; got ${JSON.stringify(flags.kinds)}`);
      for (const [name, value] of [
        ['since', flags.since],
        ['until', flags.until],
      ] as const) {
        if (value !== undefined && Number.isNaN(Date.parse(value)))
          throw new TrellisError('bad_request', `--${name} must be an ISO-8601 time; got ${JSON.stringify(value)}`);
      }
      const request = searchRequestOf({
        q,
        mode: flags.mode,
        limit: flags.limit,
        ...(flags.kinds !== undefined ? { kinds: flags.kinds } : {}),
        ...(flags.types !== undefined ? { types: flags.types } : {}),
        ...(flags.sources !== undefined ? { sources: flags.sources } : {}),
        ...(flags.since !== undefined ? { since: flags.since } : {}),
        ...(flags.until !== undefined ? { until: flags.until } : {}),
      });
      await withServices(options, async (services) => {
        const response = await services.search.search(await tenantOf(services, flags.tenant), request);
        emit(options.json ?? false, response, () => formatSearch(response));
      });
    });
}
