/**
 * @module The Trellis MCP server: tools to search, recall, read an entity with its neighbourhood and evidence, and
 * record notes, decisions, mistakes, outcomes and feedback; resources for recent decisions and patterns. One server per
 * connection (stdio) or per request (streamable HTTP), acting for one tenant; the services run in-process.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { TrellisError } from '../../core/errors.js';
import type { SearchMode } from '../../search/index.js';
import type { Services } from '../../server/services.js';
import { version } from '../../version.js';
import { decisionStatuses, importanceLevels, memoryKinds, memoryLimits, outcomes } from '../index.js';
import { answer, errorResult } from './tool-result.js';
import { patterns, recentDecisions } from './resources.js';

/** What the MCP server uses; `recall` is the recall helper's service when it is a service of its own. */
export type McpServices = Pick<Services, 'store' | 'search' | 'graph' | 'memory'> & { recall?: unknown };

/** Options of {@link createMcpServer}. */
export interface McpServerOptions {
  /**
   * Whether the writing tools may write (the API key's write scope over HTTP).
   * @default true
   */
  canWrite?: boolean;
}

/** Nodes of an entity's neighbourhood `get_entity` returns, the entity included. */
export const neighbourhoodLimit = 50;

type Call = (tenantId: string, request: Record<string, unknown>) => Promise<unknown>;

/** The recall service's `recall` and `findError`, wherever they live at run time (contracts6.md), else null. */
function recallCalls(services: McpServices): { recall: Call | null; findError: Call | null } {
  const owners = [services.memory as unknown, services.recall].filter((owner): owner is Record<string, unknown> => typeof owner === 'object' && owner !== null);
  const find = (name: string): Call | null => {
    const owner = owners.find((candidate) => typeof candidate[name] === 'function');
    return owner ? (owner[name] as Call).bind(owner) : null;
  };
  return { recall: find('recall'), findError: find('findError') };
}

const id = z.uuid({ message: 'must be an ID (a UUID)' });
const shortText = z.string().min(1).max(memoryLimits.shortText);
const mediumText = z.string().min(1).max(memoryLimits.mediumText);
const longText = z.string().min(1).max(memoryLimits.longText);
const texts = z.array(mediumText).max(memoryLimits.listItems);
const tags = z.array(z.string().min(1).max(memoryLimits.tagCharacters)).max(memoryLimits.tags);
const isoTime = z.iso.datetime({ offset: true, message: 'must be an ISO-8601 time' });

/** Fields every memory takes. */
const common = {
  tags: tags.optional().describe('labels to find it by'),
  importance: z.enum(importanceLevels).optional().describe('critical, high, normal (default), low or ephemeral'),
  sessionId: id.optional().describe('the session memory it belongs to'),
  author: z.string().min(1).max(memoryLimits.authorCharacters).optional().describe('who records it'),
};

const schemas = {
  search: z.strictObject({
    query: z.string().min(1).max(1000).describe('what to look for, in words'),
    mode: z.enum(['hybrid', 'text', 'vector']).optional().describe('signals to fuse (default hybrid)'),
    kinds: z
      .array(z.enum(['passage', 'entity', 'memory']))
      .min(1)
      .max(3)
      .optional()
      .describe('kinds of result (default passage and entity; memory adds memories, as recall finds them without recency and importance)'),
    limit: z.number().int().min(1).max(100).optional().describe('results (default 10)'),
  }),
  get_entity: z.strictObject({ id: id.describe('the entity ID') }),
  add_note: z.strictObject({ text: longText.describe('the note'), title: shortText.optional(), ...common }),
  record_decision: z.strictObject({
    title: shortText.describe('what was decided, in a line'),
    chosen: shortText.describe('the option chosen'),
    context: mediumText.optional().describe('the situation that asked for a decision'),
    alternatives: z
      .array(
        z.strictObject({
          option: shortText,
          pros: texts.optional(),
          cons: texts.optional(),
          risk: mediumText.optional(),
        }),
      )
      .max(memoryLimits.listItems)
      .optional()
      .describe('the options considered, each with pros, cons and risk'),
    reasoning: longText.optional().describe('why this option'),
    confidence: z.number().min(0).max(1).optional().describe('from 0 to 1'),
    status: z
      .enum(['proposed', 'accepted'] satisfies (typeof decisionStatuses)[number][])
      .optional()
      .describe('proposed or accepted (default)'),
    supersedes: z.array(id).max(memoryLimits.listItems).optional().describe('IDs of decisions this one replaces'),
    ...common,
  }),
  record_mistake: z.strictObject({
    errorType: shortText.describe('the kind of error, e.g. TypeError or ECONNRESET'),
    message: longText.describe('the error message'),
    title: shortText.optional(),
    context: mediumText.optional().describe('what was being done'),
    solution: mediumText.optional().describe('what fixed it'),
    solutionSteps: texts.optional().describe('the fix, step by step'),
    resolved: z.boolean().optional(),
    timeToResolveMinutes: z.number().min(0).max(1_000_000).optional(),
    ...common,
  }),
  record_outcome: z.strictObject({
    decisionId: id.describe('the decision'),
    outcome: z.enum(outcomes).describe('success, failure or partial'),
    details: mediumText.optional().describe('what happened'),
  }),
  solution_feedback: z.strictObject({
    mistakeId: id.describe('the mistake whose solution was tried'),
    worked: z.boolean().describe('whether the solution worked'),
    note: mediumText.optional(),
  }),
  recall: z.strictObject({
    query: z.string().min(1).max(1000).describe('what to remember, in words'),
    kinds: z.array(z.enum(memoryKinds)).min(1).max(memoryKinds.length).optional(),
    limit: z.number().int().min(1).max(100).optional().describe('results (default 10)'),
    tags: tags.optional(),
    sessionId: id.optional(),
    since: isoTime.optional(),
    until: isoTime.optional(),
    includeArchived: z.boolean().optional().describe('archived memories too (hidden by default)'),
    entityId: id.optional().describe('only memories citing this entity (from get_entity or search); the query ranks them'),
  }),
  find_similar_errors: z.strictObject({
    message: z.string().min(1).max(4000).describe('the error message seen now'),
    errorType: z.string().min(1).max(200).optional().describe('the kind of error; a match ranks higher'),
    limit: z.number().int().min(1).max(50).optional().describe('results (default 5)'),
    includeArchived: z.boolean().optional().describe('archived mistakes too (hidden by default)'),
  }),
} as const;

/** The names of the tools that write. */
export const writingTools: ReadonlySet<string> = new Set(['add_note', 'record_decision', 'record_mistake', 'record_outcome', 'solution_feedback']);

/**
 * Builds an MCP server acting for `tenantId`. Arguments are checked by each tool's schema (unknown fields refused)
 * and again by the services; every failure is a tool error with text saying what was wrong, never a dropped connection.
 *
 * @example
 * const server = createMcpServer(services, tenantId, { canWrite: auth.scopes.has('write') });
 * await server.connect(new StdioServerTransport());
 */
export function createMcpServer(services: McpServices, tenantId: string, options: McpServerOptions = {}): McpServer {
  const canWrite = options.canWrite ?? true;
  const server = new McpServer({ name: 'trellis', version }, { capabilities: { tools: {}, resources: {} } });
  const writing = (args: unknown, work: () => Promise<Record<string, unknown>>): Promise<CallToolResult> =>
    canWrite ? answer(args, work) : Promise.resolve(errorResult(new TrellisError('forbidden', 'This tool writes, and this API key lacks the "write" scope')));

  server.registerTool(
    'search',
    {
      description: 'Hybrid search (full text, vectors and the graph) over passages and entities, with citations. For memories, use recall.',
      inputSchema: schemas.search,
    },
    (args) =>
      answer(args, async () => {
        const response = await services.search.search(tenantId, {
          query: args.query,
          mode: (args.mode ?? 'hybrid') as SearchMode,
          kinds: (args.kinds ?? ['passage', 'entity']) as Parameters<Services['search']['search']>[1]['kinds'],
          limit: args.limit ?? 10,
          filter: {},
        });
        return { ...response };
      }),
  );

  server.registerTool(
    'get_entity',
    {
      description: 'An entity with its evidence (citations) and its neighbourhood: the entities one hop away and the relations to them.',
      inputSchema: schemas.get_entity,
    },
    (args) =>
      answer(args, async () => {
        const entityId = args.id.toLowerCase();
        const entity = await services.graph.getEntity(tenantId, entityId);
        const { nodes, edges, truncated } = await services.graph.neighbours(tenantId, entityId, { depth: 1, direction: 'both', limit: neighbourhoodLimit });
        return { entity, neighbourhood: { nodes, edges, truncated } };
      }),
  );

  server.registerTool('add_note', { description: 'Records a note (free text with tags) as a memory.', inputSchema: schemas.add_note }, (args) =>
    writing(args, async () => ({ memory: await services.memory.create(tenantId, { kind: 'note', ...args }) })),
  );

  server.registerTool(
    'record_decision',
    {
      description: 'Records a decision: what was chosen, the alternatives with pros, cons and risk, the reasoning and a confidence from 0 to 1.',
      inputSchema: schemas.record_decision,
    },
    (args) => writing(args, async () => ({ memory: await services.memory.create(tenantId, { kind: 'decision', ...args }) })),
  );

  server.registerTool(
    'record_mistake',
    { description: 'Records a mistake: the error type and message, its context, and the solution when known.', inputSchema: schemas.record_mistake },
    (args) => writing(args, async () => ({ memory: await services.memory.create(tenantId, { kind: 'mistake', ...args }) })),
  );

  server.registerTool(
    'record_outcome',
    { description: 'Records what an accepted decision turned out to be: success, failure or partial.', inputSchema: schemas.record_outcome },
    (args) =>
      writing(args, async () => ({
        memory: await services.memory.recordOutcome(tenantId, args.decisionId.toLowerCase(), {
          outcome: args.outcome,
          ...(args.details === undefined ? {} : { details: args.details }),
        }),
      })),
  );

  server.registerTool(
    'solution_feedback',
    { description: "Reports whether a mistake's solution worked; updates the solution's effectiveness.", inputSchema: schemas.solution_feedback },
    (args) =>
      writing(args, async () => ({
        memory: await services.memory.recordFeedback(tenantId, args.mistakeId.toLowerCase(), {
          worked: args.worked,
          ...(args.note === undefined ? {} : { note: args.note }),
        }),
      })),
  );

  const { recall, findError } = recallCalls(services);
  if (recall)
    server.registerTool(
      'recall',
      {
        description: 'Memories relevant to a query, ranked by relevance, recency and importance, each with why it ranked and its citations.',
        inputSchema: schemas.recall,
      },
      (args) => answer(args, async () => ({ ...((await recall(tenantId, { ...args })) as Record<string, unknown>) })),
    );
  if (findError)
    server.registerTool(
      'find_similar_errors',
      {
        description: 'Past mistakes matching an error message, with their solutions ranked by similarity and proven effectiveness.',
        inputSchema: schemas.find_similar_errors,
      },
      (args) => answer(args, async () => ({ ...((await findError(tenantId, { ...args })) as Record<string, unknown>) })),
    );

  server.registerResource(
    'recent-decisions',
    'trellis://decisions/recent',
    { title: 'Recent decisions', description: 'The 20 latest decisions, newest first.', mimeType: 'application/json' },
    async (uri) => ({
      contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ items: await recentDecisions(services, tenantId) }) }],
    }),
  );
  server.registerResource(
    'patterns',
    'trellis://patterns',
    {
      title: 'Patterns',
      description: 'Recurring patterns found in mistakes and memories, with their confidence and supporting memories.',
      mimeType: 'application/json',
    },
    async (uri) => ({
      contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ items: await patterns(services, tenantId) }) }],
    }),
  );
  return server;
}
