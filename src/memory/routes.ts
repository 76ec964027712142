/**
 * @module The memories' HTTP surface: `POST /memories`, `GET /memories`, `GET|PATCH|DELETE /memories/{id}`,
 * `POST /memories/{id}/outcome`, `POST /memories/{id}/feedback`. Older clients' field names are mapped before
 * validation and answered with deprecation headers.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { TrellisError } from '../core/errors.js';
import { IdParams } from '../graph/schemas.js';
import { problemResponses } from '../server/responses.js';
import type { Services } from '../server/services.js';
import {
  type DeprecatedField,
  type Importance,
  type MemoryInput,
  type MemoryKind,
  decisionStatuses,
  importanceLevels,
  mapLegacyFields,
  memoryKinds,
  memoryLimits,
  outcomes,
} from './index.js';

/** A schema that may also be null. */
export const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const json = Type.Record(Type.String(), Type.Unknown());
const text = (maxLength: number, description?: string) => Type.String({ minLength: 1, maxLength, ...(description ? { description } : {}) });
const texts = (maxLength: number, description?: string) =>
  Type.Array(text(maxLength), { maxItems: memoryLimits.listItems, ...(description ? { description } : {}) });
/** A UUID, either case. */
export const uuid = Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' });
const fraction = Type.Number({ minimum: 0, maximum: 1 });
const literals = (values: readonly string[], description?: string) =>
  Type.Union(
    values.map((value) => Type.Literal(value)),
    description ? { description } : {},
  );

/** Every field a memory takes, by kind; which apply to which kind is checked by the memory service (docs/memory.md). */
const fieldSchemas = {
  title: text(memoryLimits.shortText, 'decision (required), any kind'),
  tags: Type.Array(text(memoryLimits.tagCharacters), { maxItems: memoryLimits.tags }),
  importance: literals(importanceLevels, 'critical, high, normal (default), low or ephemeral'),
  sessionId: nullable(uuid),
  author: text(memoryLimits.authorCharacters),
  text: text(memoryLimits.longText, 'note (required)'),
  context: text(memoryLimits.mediumText, 'decision, mistake'),
  chosen: text(memoryLimits.shortText, 'decision (required): the option chosen'),
  alternatives: Type.Array(
    Type.Object(
      {
        option: text(memoryLimits.shortText),
        pros: Type.Optional(texts(memoryLimits.mediumText)),
        cons: Type.Optional(texts(memoryLimits.mediumText)),
        risk: Type.Optional(text(memoryLimits.mediumText)),
      },
      { additionalProperties: false },
    ),
    { maxItems: memoryLimits.listItems, description: 'decision' },
  ),
  reasoning: text(memoryLimits.longText, 'decision'),
  confidence: fraction,
  status: Type.String({ maxLength: 20, description: `decision: ${decisionStatuses.join(', ')}; other kinds (updates only): active or archived` }),
  supersedes: Type.Array(uuid, { maxItems: memoryLimits.listItems, description: 'decision: decisions this one supersedes (they become superseded)' }),
  errorType: text(memoryLimits.shortText, 'mistake (required)'),
  message: text(memoryLimits.longText, 'mistake (required)'),
  solution: text(memoryLimits.mediumText, 'mistake'),
  solutionSteps: texts(memoryLimits.mediumText, 'mistake'),
  resolved: Type.Boolean({ description: 'mistake' }),
  timeToResolveMinutes: Type.Integer({ minimum: 0, maximum: 10_000_000, description: 'mistake' }),
  description: text(memoryLimits.longText, 'pattern (required)'),
  supportingIds: Type.Array(uuid, { maxItems: memoryLimits.listItems, description: 'pattern: memories of this tenant that support it' }),
  occurrences: Type.Integer({ minimum: 1, maximum: 1_000_000_000, description: 'pattern' }),
  start: Type.String({ format: 'date-time', description: 'session (required)' }),
  end: nullable(Type.String({ format: 'date-time', description: 'session: not before start' })),
  summary: text(memoryLimits.longText, 'session'),
  goals: texts(memoryLimits.mediumText, 'session'),
};
const optionalFields = Object.fromEntries(Object.entries(fieldSchemas).map(([name, schema]) => [name, Type.Optional(schema)])) as {
  [K in keyof typeof fieldSchemas]: ReturnType<typeof Type.Optional<(typeof fieldSchemas)[K]>>;
};
const CreateBody = Type.Object({ kind: literals(memoryKinds), ...optionalFields }, { additionalProperties: false });
const nullableFields = Object.fromEntries(Object.entries(fieldSchemas).map(([name, schema]) => [name, Type.Optional(Type.Union([schema, Type.Null()]))]));
const UpdateBody = Type.Object(nullableFields, { additionalProperties: false, minProperties: 1 });

/** A memory as the routes answer it (GET /memories/{id}, and inside recall and find-error results). */
export const MemorySchema = Type.Object(
  {
    id: Type.String(),
    kind: Type.String(),
    title: nullable(Type.String()),
    body: Type.String({
      description: 'The main text: a note’s text, a decision’s reasoning, a mistake’s message, a pattern’s description, a session’s summary',
    }),
    fields: json,
    tags: Type.Array(Type.String()),
    importance: Type.String(),
    sessionId: nullable(Type.String()),
    author: nullable(Type.String()),
    status: Type.String(),
    contentHash: Type.String(),
    sourceUri: Type.String(),
    createdAt: Type.String(),
    updatedAt: Type.String(),
    archivedAt: nullable(Type.String()),
  },
  { $id: 'Memory', title: 'Memory' },
);

const ListQuery = Type.Object(
  {
    kind: Type.Optional(literals(memoryKinds)),
    tags: Type.Optional(Type.String({ maxLength: 1000, description: 'Comma-separated; a memory must carry every one' })),
    session: Type.Optional(uuid),
    author: Type.Optional(Type.String({ minLength: 1, maxLength: memoryLimits.authorCharacters })),
    importance: Type.Optional(Type.String({ maxLength: 100, description: 'Comma-separated importance levels' })),
    status: Type.Optional(literals([...decisionStatuses, 'active', 'archived'], 'a decision status, or active / archived')),
    since: Type.Optional(Type.String({ format: 'date-time', description: 'Created at or after' })),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'Created before' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 500, description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);
const OutcomeBody = Type.Object({ outcome: literals(outcomes), details: Type.Optional(text(memoryLimits.mediumText)) }, { additionalProperties: false });
const FeedbackBody = Type.Object({ worked: Type.Boolean(), note: Type.Optional(text(memoryLimits.mediumText)) }, { additionalProperties: false });

/** Where the deprecated names are listed. */
const deprecationLink = '</docs/memory.md#deprecated-field-names>; rel="deprecation"';
const mappedFields = new WeakMap<FastifyRequest, DeprecatedField[]>();

/** preValidation: maps legacy field names in an object body, so the schema sees today's names. */
function mapLegacy(request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void {
  const body = request.body;
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    try {
      const mapped = mapLegacyFields(body as Record<string, unknown>);
      if (mapped.mapped.length > 0) {
        request.body = mapped.body;
        mappedFields.set(request, mapped.mapped);
      }
    } catch (error) {
      done(error as Error);
      return;
    }
  }
  done();
}

/** Adds `Deprecation`, `Warning` and `Link` headers when the request used legacy field names. */
function deprecationHeaders(request: FastifyRequest, reply: FastifyReply): void {
  const mapped = mappedFields.get(request);
  if (!mapped) return;
  reply.header('deprecation', 'true');
  reply.header('warning', mapped.map((field) => `299 - "${field.legacy} is deprecated; use ${field.current}"`).join(', '));
  reply.header('link', deprecationLink);
}

const list = (value: string | undefined) =>
  value === undefined
    ? undefined
    : value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');

/** Registers the memory routes (read scope to read, write scope to change). */
export function registerMemoryRoutes(app: FastifyInstance, { memory }: Services): void {
  app.post<{ Body: Static<typeof CreateBody> }>(
    '/memories',
    {
      config: { access: 'write' },
      preValidation: mapLegacy,
      schema: {
        tags: ['memory'],
        summary: 'Record a memory: a note, decision, mistake, pattern or session',
        description:
          'Kind-specific fields are listed in docs/memory.md. An exact duplicate (same kind and normalised content) is a 409 with the existing memory ID in details.id. Older clients’ names (decision_title, chosen_solution, snake_case) are accepted with a Deprecation header.',
        body: CreateBody,
        response: { 201: MemorySchema, ...problemResponses(409, 413, 422) },
      },
    },
    async (request, reply) => {
      const created = await memory.create(request.auth.tenantId, request.body as MemoryInput);
      deprecationHeaders(request, reply);
      reply.header('location', `/memories/${created.id}`);
      return reply.code(201).send(created);
    },
  );

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/memories',
    {
      config: { access: 'read' },
      schema: {
        tags: ['memory'],
        summary: 'List memories, oldest first (cursor pagination), filtered by kind, tags, session, author, importance, status and creation time',
        querystring: ListQuery,
        response: { 200: Type.Object({ items: Type.Array(MemorySchema), nextCursor: nullable(Type.String()) }), ...problemResponses() },
      },
    },
    async (request) => {
      const query = request.query;
      const tags = list(query.tags);
      const importance = list(query.importance);
      if (tags && tags.length > 10) throw new TrellisError('validation_failed', 'tags takes at most 10 tags');
      const unknownLevel = importance?.find((level) => !(importanceLevels as readonly string[]).includes(level));
      if (unknownLevel !== undefined)
        throw new TrellisError('validation_failed', `importance ${JSON.stringify(unknownLevel)} is not one of ${importanceLevels.join(', ')}`);
      return memory.list(request.auth.tenantId, {
        kind: query.kind as MemoryKind | undefined,
        tags,
        sessionId: query.session,
        author: query.author,
        importance: importance as Importance[] | undefined,
        status: query.status,
        since: query.since === undefined ? undefined : new Date(query.since).toISOString(),
        until: query.until === undefined ? undefined : new Date(query.until).toISOString(),
        limit: query.limit ?? 50,
        cursor: query.cursor,
      });
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/memories/:id',
    {
      config: { access: 'read' },
      schema: { tags: ['memory'], summary: 'A memory', params: IdParams, response: { 200: MemorySchema, ...problemResponses(404) } },
    },
    async (request) => memory.get(request.auth.tenantId, request.params.id),
  );

  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof UpdateBody> }>(
    '/memories/:id',
    {
      config: { access: 'write' },
      preValidation: mapLegacy,
      schema: {
        tags: ['memory'],
        summary: 'Change a memory’s fields (null removes an optional one); a decision’s status follows its transitions',
        description:
          'Decision status: proposed → accepted | superseded; accepted → superseded | reverted; superseded and reverted are final (409). Other kinds take status active or archived. The kind never changes.',
        params: IdParams,
        body: UpdateBody,
        response: { 200: MemorySchema, ...problemResponses(404, 409, 413, 422) },
      },
    },
    async (request, reply) => {
      const updated = await memory.update(request.auth.tenantId, request.params.id, request.body as MemoryInput);
      deprecationHeaders(request, reply);
      return updated;
    },
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/memories/:id',
    {
      config: { access: 'write' },
      schema: {
        tags: ['memory'],
        summary: 'Delete a memory with its source (the evidence citing it is retracted)',
        params: IdParams,
        response: { 204: Type.Null(), ...problemResponses(404) },
      },
    },
    async (request, reply) => {
      await memory.delete(request.auth.tenantId, request.params.id);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof OutcomeBody> }>(
    '/memories/:id/outcome',
    {
      config: { access: 'write' },
      schema: {
        tags: ['memory'],
        summary: 'Record what a decision turned out to be: success, failure or partial, with details',
        params: IdParams,
        body: OutcomeBody,
        response: { 200: MemorySchema, ...problemResponses(404, 409, 422) },
      },
    },
    async (request) => memory.recordOutcome(request.auth.tenantId, request.params.id, request.body),
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof FeedbackBody> }>(
    '/memories/:id/feedback',
    {
      config: { access: 'write' },
      schema: {
        tags: ['memory'],
        summary: 'Say whether a mistake’s solution worked; updates its counts and effectiveness ((worked + 1) / (total + 2))',
        params: IdParams,
        body: FeedbackBody,
        response: { 200: MemorySchema, ...problemResponses(404, 422) },
      },
    },
    async (request) => memory.recordFeedback(request.auth.tenantId, request.params.id, request.body),
  );
}
