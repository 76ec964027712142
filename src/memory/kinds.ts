/**
 * @module The memory kinds (note, decision, mistake, pattern, session): the fields each takes, their validation, the
 * text a memory's body and full-text index get, and its content hash.
 */
import { createHash } from 'node:crypto';
import { TrellisError } from '../core/errors.js';
import { isId } from '../core/ids.js';

/** The kinds of memory. */
export const memoryKinds = ['note', 'decision', 'mistake', 'pattern', 'session'] as const;
export type MemoryKind = (typeof memoryKinds)[number];

/** How much a memory matters, most first; `normal` by default. */
export const importanceLevels = ['critical', 'high', 'normal', 'low', 'ephemeral'] as const;
export type Importance = (typeof importanceLevels)[number];

/** A decision's life: proposed → accepted | superseded; accepted → superseded | reverted; the last two are final. */
export const decisionStatuses = ['proposed', 'accepted', 'superseded', 'reverted'] as const;
export type DecisionStatus = (typeof decisionStatuses)[number];
const transitions: Record<DecisionStatus, readonly DecisionStatus[]> = {
  proposed: ['accepted', 'superseded'],
  accepted: ['superseded', 'reverted'],
  superseded: [],
  reverted: [],
};

/** The status of the other kinds. */
export const memoryStatuses = ['active', 'archived'] as const;

/** What a decision turned out to be, recorded later. */
export const outcomes = ['success', 'failure', 'partial'] as const;

/** Bounds on what one memory may hold. */
export const limits = {
  /** Characters of a title, an error type, an option name. */
  shortText: 500,
  /** Characters of the main text (a note's text, a mistake's message, a pattern's description …). */
  longText: 100_000,
  /** Characters of each other text field (context, reasoning, solution, summary, a pro or con …). */
  mediumText: 20_000,
  /** Items of any list field (alternatives, pros, cons, solution steps, goals, supporting memories, supersedes). */
  listItems: 100,
  tags: 50,
  tagCharacters: 64,
  authorCharacters: 200,
} as const;

/** One path and message of a validation error, as problem+json `errors` lists them. */
export interface Issue {
  path: string;
  message: string;
}

type Fields = Record<string, unknown>;

/** The kind-specific fields of each kind, as the API names them; `text` is the field that becomes the memory's body. */
const kindFields: Record<MemoryKind, { allowed: readonly string[]; required: readonly string[]; body: string | null; content: readonly string[] }> = {
  note: { allowed: ['text'], required: ['text'], body: 'text', content: ['title', 'text'] },
  decision: {
    allowed: ['context', 'chosen', 'alternatives', 'reasoning', 'confidence', 'status', 'supersedes'],
    required: ['title', 'chosen'],
    body: 'reasoning',
    content: ['title', 'context', 'chosen', 'alternatives', 'reasoning'],
  },
  mistake: {
    allowed: ['errorType', 'message', 'context', 'solution', 'solutionSteps', 'resolved', 'timeToResolveMinutes'],
    required: ['errorType', 'message'],
    body: 'message',
    content: ['title', 'errorType', 'message', 'context', 'solution', 'solutionSteps'],
  },
  pattern: {
    allowed: ['description', 'supportingIds', 'occurrences', 'confidence'],
    required: ['description'],
    body: 'description',
    content: ['title', 'description'],
  },
  session: { allowed: ['start', 'end', 'summary', 'goals'], required: ['start'], body: 'summary', content: ['title', 'start', 'summary', 'goals'] },
};

/** Fields every kind takes besides its own. */
const commonFields = ['kind', 'title', 'tags', 'importance', 'sessionId', 'author'] as const;

/** Fields set by their own routes (outcome, feedback) or by the server: never part of a create or update. */
const recordedFields: Record<MemoryKind, readonly string[]> = {
  note: [],
  decision: ['outcome', 'outcomeDetails', 'outcomeAt', 'supersededBy', 'reviewRemindedAt'],
  mistake: ['feedback'],
  // Set by the analysis jobs (src/memory/analysis): a detected pattern's stable signature, a decision's last review reminder.
  pattern: ['signature'],
  session: [],
};

/** Every field a create or update takes, by its current name, across kinds. */
export const currentFieldNames: ReadonlySet<string> = new Set<string>([...commonFields, ...Object.values(kindFields).flatMap((kind) => kind.allowed)]);

/** A `validation_failed` error listing every issue. */
export function validation(errors: Issue[]): TrellisError {
  return new TrellisError('validation_failed', errors.map((issue) => `${issue.path} ${issue.message}`).join('; '), { errors });
}

function storable(text: string): boolean {
  return !text.includes('\u0000') && text.isWellFormed();
}

/** Collects issues while checking one body. */
class Checker {
  readonly issues: Issue[] = [];
  constructor(private readonly input: Fields) {}

  private fail(field: string, message: string): undefined {
    this.issues.push({ path: `body/${field}`, message });
    return undefined;
  }

  text(field: string, max: number, value: unknown = this.input[field], path = field): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'string') return this.fail(path, 'must be a string');
    if (value.trim() === '') return this.fail(path, 'must not be empty');
    if (value.length > max) return this.fail(path, `must be at most ${max} characters`);
    if (!storable(value)) return this.fail(path, 'must not contain U+0000 or unpaired surrogates');
    return value;
  }

  texts(field: string, max: number, value: unknown = this.input[field], path = field): string[] | undefined {
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) return this.fail(path, 'must be an array of strings');
    if (value.length > limits.listItems) return this.fail(path, `must have at most ${limits.listItems} items`);
    const out: string[] = [];
    value.forEach((item, index) => {
      const text = this.text(`${path}/${index}`, max, item, `${path}/${index}`);
      if (text !== undefined) out.push(text);
    });
    return out;
  }

  fraction(field: string): number | undefined {
    const value = this.input[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) return this.fail(field, 'must be a number from 0 to 1');
    return value;
  }

  integer(field: string, min: number, max: number): number | undefined {
    const value = this.input[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      return this.fail(field, `must be an integer from ${min} to ${max}`);
    return value;
  }

  flag(field: string): boolean | undefined {
    const value = this.input[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') return this.fail(field, 'must be true or false');
    return value;
  }

  oneOf<T extends string>(field: string, allowed: readonly T[]): T | undefined {
    const value = this.input[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) return this.fail(field, `must be one of ${allowed.join(', ')}`);
    return value as T;
  }

  ids(field: string): string[] | undefined {
    const value = this.input[field];
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.length > limits.listItems) return this.fail(field, `must be an array of at most ${limits.listItems} memory IDs`);
    const bad = value.findIndex((item) => typeof item !== 'string' || !isId(item));
    if (bad >= 0) return this.fail(`${field}/${bad}`, 'must be a memory ID (a UUID)');
    return [...new Set((value as string[]).map((id) => id.toLowerCase()))];
  }

  time(field: string): string | undefined {
    const value = this.input[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(value) || Number.isNaN(Date.parse(value)))
      return this.fail(field, 'must be an RFC 3339 date-time such as 2026-01-31T09:00:00Z');
    return new Date(value).toISOString();
  }

  alternatives(): Fields[] | undefined {
    const value = this.input.alternatives;
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.length > limits.listItems) return this.fail('alternatives', `must be an array of at most ${limits.listItems} options`);
    const out: Fields[] = [];
    value.forEach((item, index) => {
      const path = `alternatives/${index}`;
      if (item === null || typeof item !== 'object' || Array.isArray(item)) return this.fail(path, 'must be an object { option, pros, cons, risk }');
      const unknown = Object.keys(item).filter((key) => !['option', 'pros', 'cons', 'risk'].includes(key));
      for (const key of unknown) this.fail(`${path}/${key}`, 'is not an allowed field');
      const option = this.text(`${path}/option`, limits.shortText, (item as Fields).option);
      if ((item as Fields).option === undefined) this.fail(`${path}/option`, 'is required');
      const pros = this.texts(`${path}/pros`, limits.mediumText, (item as Fields).pros) ?? [];
      const cons = this.texts(`${path}/cons`, limits.mediumText, (item as Fields).cons) ?? [];
      const risk = this.text(`${path}/risk`, limits.mediumText, (item as Fields).risk);
      out.push({ option, pros, cons, ...(risk === undefined ? {} : { risk }) });
    });
    return out;
  }
}

/** A memory's stored shape before it is written: what the service inserts or updates. */
export interface PreparedMemory {
  kind: MemoryKind;
  title: string | null;
  body: string;
  fields: Fields;
  tags: string[];
  importance: Importance;
  sessionId: string | null;
  author: string | null;
  status: string;
  contentHash: string;
  searchText: string;
  /** Decisions this one supersedes (a decision's `supersedes`), checked and updated by the service. */
  supersedes: string[];
  /** Memories a pattern cites (its `supportingIds`), checked by the service. */
  supportingIds: string[];
}

/** The input of a create, or the merged state of an update: common fields plus the kind's own, by today's names. */
export type MemoryInput = Fields;

/**
 * Checks a create body (or an update merged onto the stored memory) against its kind and prepares the row: every
 * problem of the body is reported at once as `validation_failed` (400) with one entry per field.
 */
export function prepareMemory(input: MemoryInput, options: { recorded?: Fields } = {}): PreparedMemory {
  if (typeof input.kind !== 'string' || !(memoryKinds as readonly string[]).includes(input.kind)) {
    throw validation([{ path: 'body/kind', message: `must be one of ${memoryKinds.join(', ')}` }]);
  }
  const kind = input.kind as MemoryKind;
  const spec = kindFields[kind];
  const check = new Checker(input);
  const allowed = new Set<string>([...commonFields, ...spec.allowed]);
  for (const key of Object.keys(input)) if (!allowed.has(key)) check.issues.push({ path: `body/${key}`, message: `is not a field of a ${kind}` });
  for (const key of spec.required) if (input[key] === undefined || input[key] === null) check.issues.push({ path: `body/${key}`, message: 'is required' });

  const title = check.text('title', limits.shortText);
  const tags = check.texts('tags', limits.tagCharacters) ?? [];
  if (Array.isArray(input.tags) && input.tags.length > limits.tags) check.issues.push({ path: 'body/tags', message: `must have at most ${limits.tags} tags` });
  const importance = check.oneOf('importance', importanceLevels) ?? 'normal';
  const author = check.text('author', limits.authorCharacters);
  let sessionId: string | undefined;
  if (input.sessionId !== undefined && input.sessionId !== null) {
    if (kind === 'session') check.issues.push({ path: 'body/sessionId', message: 'a session does not belong to a session' });
    else if (typeof input.sessionId !== 'string' || !isId(input.sessionId))
      check.issues.push({ path: 'body/sessionId', message: 'must be a memory ID (a UUID)' });
    else sessionId = input.sessionId.toLowerCase();
  }

  const fields: Fields = {};
  const set = (name: string, value: unknown) => {
    if (value !== undefined) fields[name] = value;
  };
  let status = 'active';
  let supersedes: string[] = [];
  let supportingIds: string[] = [];
  switch (kind) {
    case 'note':
      set('text', check.text('text', limits.longText));
      break;
    case 'decision':
      set('context', check.text('context', limits.mediumText));
      set('chosen', check.text('chosen', limits.shortText));
      set('alternatives', check.alternatives());
      set('reasoning', check.text('reasoning', limits.longText));
      set('confidence', check.fraction('confidence'));
      status = check.oneOf('status', decisionStatuses) ?? 'proposed';
      supersedes = check.ids('supersedes') ?? [];
      if (supersedes.length > 0) fields.supersedes = supersedes;
      break;
    case 'mistake':
      set('errorType', check.text('errorType', limits.shortText));
      set('message', check.text('message', limits.longText));
      set('context', check.text('context', limits.mediumText));
      set('solution', check.text('solution', limits.mediumText));
      set('solutionSteps', check.texts('solutionSteps', limits.mediumText));
      set('resolved', check.flag('resolved') ?? false);
      set('timeToResolveMinutes', check.integer('timeToResolveMinutes', 0, 10_000_000));
      break;
    case 'pattern':
      set('description', check.text('description', limits.longText));
      supportingIds = check.ids('supportingIds') ?? [];
      fields.supportingIds = supportingIds;
      set('occurrences', check.integer('occurrences', 1, 1_000_000_000) ?? Math.max(1, supportingIds.length));
      set('confidence', check.fraction('confidence'));
      break;
    case 'session': {
      const start = check.time('start');
      const end = input.end === null ? undefined : check.time('end');
      set('start', start);
      set('end', end);
      if (start && end && end < start) check.issues.push({ path: 'body/end', message: 'must not be before start' });
      set('summary', check.text('summary', limits.longText));
      set('goals', check.texts('goals', limits.mediumText));
      break;
    }
  }
  if (check.issues.length > 0) throw validation(check.issues);
  Object.assign(fields, options.recorded ?? {});

  const body = spec.body && typeof fields[spec.body] === 'string' ? (fields[spec.body] as string) : '';
  return {
    kind,
    title: title ?? null,
    body,
    fields,
    tags: [...new Set(tags)],
    importance,
    sessionId: sessionId ?? null,
    author: author ?? null,
    status,
    contentHash: contentHash(kind, title ?? null, fields),
    searchText: searchText(title ?? null, fields),
    supersedes,
    supportingIds,
  };
}

/** The fields of a kind that outcome and feedback record, which an update keeps and never takes from its body. */
export function recordedFieldsOf(kind: MemoryKind, fields: Fields): Fields {
  const out: Fields = {};
  for (const name of recordedFields[kind]) if (fields[name] !== undefined) out[name] = fields[name];
  return out;
}

/** Checks a decision's status change; a refused one is a 409 naming both states. */
export function checkTransition(from: string, to: string): void {
  if (from === to) return;
  if (!(transitions[from as DecisionStatus] ?? []).includes(to as DecisionStatus)) {
    const never = to === 'reverted' && from === 'proposed' ? ' (a decision that was never accepted cannot be reverted)' : '';
    throw new TrellisError('conflict', `A decision cannot go from ${from} to ${to}${never}`, { from, to, allowed: transitions[from as DecisionStatus] ?? [] });
  }
}

/** Whitespace collapsed, Unicode NFC: two texts that differ only in spacing hash alike. */
function normalise(value: unknown): unknown {
  if (typeof value === 'string') return value.normalize('NFC').replace(/\s+/g, ' ').trim();
  if (Array.isArray(value)) return value.map(normalise);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, normalise((value as Fields)[key])]),
    );
  }
  return value;
}

/** The content hash of a memory: its kind and the normalised content fields of the kind (not tags, importance, status or what is recorded later). */
export function contentHash(kind: MemoryKind, title: string | null, fields: Fields): string {
  const content: Fields = {};
  for (const name of kindFields[kind].content) {
    const value = name === 'title' ? title : fields[name];
    if (value !== undefined && value !== null) content[name] = value;
  }
  return createHash('sha256')
    .update(JSON.stringify([kind, normalise(content)]))
    .digest('hex');
}

/** What the full-text index sees: the title, then each text field's text, one per line. */
export function searchText(title: string | null, fields: Fields): string {
  const parts: string[] = title ? [title] : [];
  const add = (value: unknown) => {
    if (typeof value === 'string') parts.push(value);
    else if (Array.isArray(value)) value.forEach(add);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(add);
  };
  for (const name of [
    'text',
    'errorType',
    'message',
    'description',
    'context',
    'chosen',
    'alternatives',
    'reasoning',
    'solution',
    'solutionSteps',
    'summary',
    'goals',
  ])
    add(fields[name]);
  return parts.join('\n');
}

/** The Laplace-smoothed effectiveness of a solution: (worked + 1) / (total + 2), 0.5 with no feedback. */
export function effectiveness(worked: number, total: number): number {
  return (worked + 1) / (total + 2);
}
