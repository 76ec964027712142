/**
 * @module CLI helpers for memory (docs/cli.md#memory): `remember`, `decide`, `error`, `outcome`, `recall` and
 * `find-error`, short commands that talk to a running server over HTTP (POST /memories, /memories/{id}/outcome,
 * /recall, /memories/find-error) with the URL and key from flags, environment or trellis.yaml.
 */
import type { Command } from 'commander';
import { TrellisError } from '../core/errors.js';
import type { FindErrorResponse, FindErrorResult } from '../memory/find-error.js';
import { type Memory, importanceLevels, memoryKinds, outcomes } from '../memory/index.js';
import type { RecallResponse, RecallResult } from '../memory/recall.js';
import { globals } from './context.js';
import { emit, limitFlag } from './output.js';
import { type ServerFlags, type ServerTarget, callServer, serverTarget } from './server-client.js';

/** Flags common to the commands that record a memory. */
interface RecordFlags extends ServerFlags {
  tag: string[];
  importance?: string;
  session?: string;
  author?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Adds `--url` and `--key` to a command. */
function serverOptions(command: Command): Command {
  return command
    .option('--url <url>', 'server URL (TRELLIS_URL, url in trellis.yaml; default http://<host>:<port>)')
    .option('--key <key>', 'API key (TRELLIS_API_KEY, apiKey in trellis.yaml)');
}

/** Adds the flags every recording command takes. */
function recordOptions(command: Command): Command {
  return serverOptions(command)
    .option('--tag <tag>', 'a tag (repeatable)', collect, [])
    .option('--importance <level>', `${importanceLevels.join(', ')} (default normal)`)
    .option('--session <id>', 'the session memory this belongs to')
    .option('--author <name>', 'who records it');
}

/** The common fields of a recording command's flags, leaving out those not given. */
function commonFields(flags: RecordFlags): Record<string, unknown> {
  if (flags.importance !== undefined && !(importanceLevels as readonly string[]).includes(flags.importance))
    throw new TrellisError('bad_request', `--importance must be one of ${importanceLevels.join(', ')}; got ${JSON.stringify(flags.importance)}`);
  return {
    ...(flags.tag.length > 0 ? { tags: flags.tag } : {}),
    ...(flags.importance !== undefined ? { importance: flags.importance } : {}),
    ...(flags.session !== undefined ? { sessionId: flags.session } : {}),
    ...(flags.author !== undefined ? { author: flags.author } : {}),
  };
}

/** A number from 0 to 1 given to `flag`. */
function fractionFlag(flag: string, value: string): number {
  const number = Number(value);
  if (!/^\d*\.?\d+$/.test(value.trim()) || number < 0 || number > 1)
    throw new TrellisError('bad_request', `${flag} must be a number from 0 to 1; got ${JSON.stringify(value)}`);
  return number;
}

/**
 * The error type a message starts with, else `Error`: a name ending in Error, Exception, Fault or Warning
 * (`TypeError`, `java.io.IOException`), or an upper-case code (`SQLITE_BUSY`, `ECONNREFUSED`), followed by `:`, a space
 * or the end.
 * @example
 * errorTypeOf('SQLITE_BUSY: database is locked'); // 'SQLITE_BUSY'
 */
export function errorTypeOf(message: string): string {
  const match = /^\s*([A-Za-z_$][\w$.]*(?:Error|Exception|Fault|Warning)|[A-Z][A-Z0-9]*_[A-Z0-9_]+|E[A-Z]{3,})(?=[:\s]|$)/.exec(message);
  return match?.[1] ?? 'Error';
}

const shorten = (text: string, length: number) => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= length ? line : `${line.slice(0, length - 1)}…`;
};
/** A mistake's type and message, the type left out when the message starts with it. */
const mistakeLine = (mistake: Memory, length: number) => {
  const errorType = String(mistake.fields.errorType);
  return shorten(mistake.body.trimStart().startsWith(errorType) ? mistake.body : `${errorType}: ${mistake.body}`, length);
};
const tagsText = (memory: Memory) => (memory.tags.length > 0 ? ` [${memory.tags.join(', ')}]` : '');

/** The `--json` flag and the server to call, for a command's action. */
function setup(command: Command, flags: ServerFlags): { json: boolean; target: ServerTarget } {
  const options = globals(command);
  return { json: options.json ?? false, target: serverTarget(options, flags) };
}

/** One line about a recorded memory. */
function recordedLine(memory: Memory): string {
  return `${memory.id}  ${memory.kind} (${memory.status}, ${memory.importance})${tagsText(memory)}`;
}

/** Registers `remember`, `decide`, `error`, `outcome`, `recall` and `find-error`. */
export function registerMemoryCommands(program: Command): void {
  recordOptions(program.command('remember <text>').description('record a note (POST /memories)'))
    .option('--title <title>', 'a title for the note')
    .action(async (text: string, flags: RecordFlags & { title?: string }, command: Command) => {
      const { json, target } = setup(command, flags);
      const body = { kind: 'note', text, ...(flags.title !== undefined ? { title: flags.title } : {}), ...commonFields(flags) };
      const memory = await callServer<Memory>(target, 'POST', '/memories', body);
      emit(json, memory, () => `remembered ${recordedLine(memory)}\n  ${shorten(memory.body, 100)}`);
    });

  recordOptions(program.command('decide <title>').description('record a decision and why it was taken (POST /memories)'))
    .requiredOption('--chose <option>', 'the option chosen')
    .option('--alternative <option>', 'an option not chosen (repeatable)', collect, [])
    .option('--reason <text>', 'why (the reasoning)')
    .option('--confidence <0..1>', 'how sure, from 0 to 1')
    .option('--context <text>', 'the situation that called for a decision')
    .option('--accepted', 'record it as accepted (default: proposed)')
    .action(
      async (
        title: string,
        flags: RecordFlags & { chose: string; alternative: string[]; reason?: string; confidence?: string; context?: string; accepted?: boolean },
        command: Command,
      ) => {
        const confidence = flags.confidence === undefined ? undefined : fractionFlag('--confidence', flags.confidence);
        const { json, target } = setup(command, flags);
        const body = {
          kind: 'decision',
          title,
          chosen: flags.chose,
          ...(flags.alternative.length > 0 ? { alternatives: flags.alternative.map((option) => ({ option })) } : {}),
          ...(flags.reason !== undefined ? { reasoning: flags.reason } : {}),
          ...(confidence !== undefined ? { confidence } : {}),
          ...(flags.context !== undefined ? { context: flags.context } : {}),
          ...(flags.accepted ? { status: 'accepted' } : {}),
          ...commonFields(flags),
        };
        const memory = await callServer<Memory>(target, 'POST', '/memories', body);
        emit(json, memory, () => `recorded decision ${recordedLine(memory)}\n  ${memory.title}: chose ${String(memory.fields.chosen)}`);
      },
    );

  recordOptions(program.command('error <message>').description('record a mistake: an error and what fixed it (POST /memories)'))
    .option('--type <type>', 'the error type (default: the first word of the message when it names one, such as TypeError, else Error)')
    .option('--solution <text>', 'what fixed it')
    .option('--step <text>', 'a step of the solution (repeatable, in order)', collect, [])
    .option('--context <text>', 'where it happened')
    .option('--resolved', 'the error is resolved')
    .action(
      async (
        message: string,
        flags: RecordFlags & { type?: string; solution?: string; step: string[]; context?: string; resolved?: boolean },
        command: Command,
      ) => {
        const { json, target } = setup(command, flags);
        const body = {
          kind: 'mistake',
          errorType: flags.type ?? errorTypeOf(message),
          message,
          ...(flags.solution !== undefined ? { solution: flags.solution } : {}),
          ...(flags.step.length > 0 ? { solutionSteps: flags.step } : {}),
          ...(flags.context !== undefined ? { context: flags.context } : {}),
          ...(flags.resolved ? { resolved: true } : {}),
          ...commonFields(flags),
        };
        const memory = await callServer<Memory>(target, 'POST', '/memories', body);
        emit(json, memory, () => `recorded mistake ${recordedLine(memory)}\n  ${mistakeLine(memory, 100)}${memory.fields.resolved ? ' (resolved)' : ''}`);
      },
    );

  serverOptions(program.command('outcome <decision-id> <outcome>').description(`record how a decision turned out: ${outcomes.join(', ')}`))
    .option('--details <text>', 'what happened')
    .action(async (id: string, outcome: string, flags: ServerFlags & { details?: string }, command: Command) => {
      if (!(outcomes as readonly string[]).includes(outcome))
        throw new TrellisError('bad_request', `The outcome must be one of ${outcomes.join(', ')}; got ${JSON.stringify(outcome)}`);
      const { json, target } = setup(command, flags);
      const body = { outcome, ...(flags.details !== undefined ? { details: flags.details } : {}) };
      const memory = await callServer<Memory>(target, 'POST', `/memories/${encodeURIComponent(id)}/outcome`, body);
      emit(json, memory, () => `recorded outcome ${String(memory.fields.outcome)} of decision ${memory.id}: ${memory.title}`);
    });

  serverOptions(program.command('recall <query>').description('memories that match a question, ranked by relevance, recency and importance (POST /recall)'))
    .option('--kind <kind>', `only this kind (repeatable): ${memoryKinds.join(', ')}`, collect, [])
    .option('--tag <tag>', 'only memories with this tag (repeatable)', collect, [])
    .option('--session <id>', 'only memories of this session')
    .option('--since <time>', 'only memories created at or after this RFC 3339 time')
    .option('--until <time>', 'only memories created at or before this RFC 3339 time')
    .option('--entity <id>', 'only memories citing this entity (its ID); the query ranks them')
    .option('--limit <n>', 'results, 1 to 100', '10')
    .option('--archived', 'archived memories too (hidden by default)')
    .action(
      async (
        query: string,
        flags: ServerFlags & { kind: string[]; tag: string[]; session?: string; since?: string; until?: string; limit: string; archived?: boolean },
        command: Command,
      ) => {
        const limit = limitFlag(flags.limit, 100);
        const unknown = flags.kind.filter((kind) => !(memoryKinds as readonly string[]).includes(kind));
        if (unknown.length > 0) throw new TrellisError('bad_request', `--kind must be one of ${memoryKinds.join(', ')}; got ${JSON.stringify(unknown[0])}`);
        const { json, target } = setup(command, flags);
        const { entity } = command.opts<{ entity?: string }>();
        const body = {
          query,
          limit,
          ...(flags.kind.length > 0 ? { kinds: flags.kind } : {}),
          ...(flags.tag.length > 0 ? { tags: flags.tag } : {}),
          ...(flags.session !== undefined ? { sessionId: flags.session } : {}),
          ...(flags.since !== undefined ? { since: flags.since } : {}),
          ...(flags.until !== undefined ? { until: flags.until } : {}),
          ...(entity !== undefined ? { entityId: entity } : {}),
          ...(flags.archived === true ? { includeArchived: true } : {}),
        };
        const answer = await callServer<RecallResponse>(target, 'POST', '/recall', body);
        emit(json, answer, () => recallText(answer.results, answer.milliseconds));
      },
    );

  serverOptions(
    program.command('find-error <message>').description('past mistakes like this error, with their solutions ranked by similarity and effectiveness'),
  )
    .option('--type <type>', 'the error type (e.g. TypeError)')
    .option('--limit <n>', 'results, 1 to 50', '5')
    .option('--archived', 'archived mistakes too (hidden by default)')
    .action(async (message: string, flags: ServerFlags & { type?: string; limit: string; archived?: boolean }, command: Command) => {
      const limit = limitFlag(flags.limit, 50);
      const { json, target } = setup(command, flags);
      const body = {
        message,
        limit,
        ...(flags.type !== undefined ? { errorType: flags.type } : {}),
        ...(flags.archived === true ? { includeArchived: true } : {}),
      };
      const answer = await callServer<FindErrorResponse>(target, 'POST', '/memories/find-error', body);
      emit(json, answer, () => findErrorText(answer.results, answer.milliseconds));
    });
}

/** Human output of recall: one block per memory, with why it ranked. */
function recallText(results: RecallResult[], milliseconds: number): string {
  if (results.length === 0) return `no memories match (${milliseconds} ms)`;
  const blocks = results.map((result, index) => {
    const memory = result.memory;
    const why = [
      ...(['text', 'vector', 'graph'] as const).flatMap((signal) => (result.why[signal] ? [`${signal} #${result.why[signal].rank}`] : [])),
      `recency ${result.why.recency.toFixed(2)}`,
      `importance ${result.why.importance.toFixed(2)}`,
    ].join(', ');
    return [
      `${index + 1}. ${memory.kind} ${memory.id}  score ${result.score.toFixed(3)}${tagsText(memory)}`,
      `   ${shorten(memory.title ? `${memory.title}: ${memory.body}` : memory.body, 110)}`,
      `   why: ${why}`,
      ...result.citations
        .slice(0, 3)
        .map(
          (citation) =>
            `   cites: ${citation.uri}${citation.start !== null ? ` [${citation.start}, ${citation.end})` : ''}${citation.snippet ? ` "${shorten(citation.snippet, 60)}"` : ''}${citation.entityId ? ` (entity ${citation.entityId})` : ''}`,
        ),
      ...(result.citations.length > 3 ? [`   … ${result.citations.length - 3} more citations (--json shows them)`] : []),
    ].join('\n');
  });
  return `${blocks.join('\n')}\n(${results.length} in ${milliseconds} ms)`;
}

/** Human output of find-error: the ranked mistakes with their solution and steps. */
function findErrorText(results: FindErrorResult[], milliseconds: number): string {
  if (results.length === 0) return `no past mistake matches (${milliseconds} ms)`;
  const blocks = results.map((result, index) => {
    const mistake = result.mistake;
    return [
      `${index + 1}. ${mistakeLine(mistake, 100)}  (${mistake.id})`,
      `   score ${result.score.toFixed(3)}: similarity ${result.similarity.toFixed(2)}, effectiveness ${result.effectiveness.toFixed(2)}`,
      `   solution: ${result.solution ?? '-'}`,
      ...result.solutionSteps.map((step, number) => `     ${number + 1}. ${step}`),
    ].join('\n');
  });
  return `${blocks.join('\n')}\n(${results.length} in ${milliseconds} ms)`;
}
