/** @module Configuration: one typed object built from TRELLIS_* variables and an optional trellis.yaml, validated at start. */
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { TrellisError } from './errors.js';

/** The whole configuration of a Trellis process. */
export interface TrellisConfig {
  /** Interface the server binds to. @default "127.0.0.1" */
  host: string;
  /** TCP port of the HTTP server; 0 picks a free one. @default 7420 */
  port: number;
  /** Folder for the SQLite database, the first-start admin key and other local files. @default "./data" */
  dataDir: string;
  /** PostgreSQL URL (`postgres://…`); when unset the embedded SQLite store is used. @default undefined */
  databaseUrl: string | undefined;
  /** Role the PostgreSQL driver switches to (`SET ROLE`) so that row-level security applies; "" disables. @default "trellis_app" */
  databaseRole: string;
  /** Largest PostgreSQL connection pool. @default 10 */
  databasePoolSize: number;
  /** pino log level. @default "info" */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Largest accepted request body for ordinary routes, in bytes. @default 1048576 */
  bodyLimit: number;
  /** Largest accepted request body for bulk routes, in bytes. @default 33554432 */
  bulkBodyLimit: number;
  /** Origins allowed by CORS; "*" allows any; empty allows none. @default [] */
  corsOrigins: string[];
  /** "on" requires credentials on every data route; "off" is a dev mode allowed only on loopback. @default "on" */
  auth: 'on' | 'off';
  /** HMAC secret for JWT access tokens; generated and stored in the database when unset. @default undefined */
  jwtSecret: string | undefined;
  /** Lifetime of a JWT access token, in seconds. @default 900 */
  accessTokenTtl: number;
  /** Lifetime of a refresh token, in seconds. @default 2592000 (30 days) */
  refreshTokenTtl: number;
  /** How long a verified API key is trusted from memory before it is looked up again, in ms. @default 5000 */
  apiKeyCacheMs: number;
  /** "on" answers graph traversals from a per-tenant in-memory projection, built on a tenant's first traversal; "off" always uses SQL. @default "on" */
  graphProjection: 'on' | 'off';
  /** Tenants with more relations than this are never projected (their traversals use SQL). @default 20000000 */
  graphProjectionMaxRelations: number;
  /** Graph analytics on a tenant with at most this many relations (and entities) answers in the request; larger runs as a `graph.analytics` job. @default 50000 */
  analyticsInlineMaxRelations: number;
  /** Threads one analytics run may use (its worker and helpers sharing memory; PageRank and betweenness split across them). @default 2 */
  analyticsThreads: number;
  /** Bytes of serialised entity and relation answers kept for repeat reads, each valid until its tenant's next write; 0 disables. @default 67108864 (64 MiB) */
  readCacheMaxBytes: number;
  /** A view whose inputs hold more rows than this is materialised by a job (`POST /views` answers 202); smaller ones at once. @default 50000 */
  viewInlineMaxRows: number;
  /** Most rows one view may read (entities, relations or dataset rows); a bigger view is refused. @default 2000000 */
  viewMaxRows: number;
  /** How often followers of the event log (live streams, webhooks) poll for commits they cannot be told about (other processes on SQLite), in ms. @default 200 */
  eventPollMs: number;
  /** Events older than this many days are deleted (a tenant's newest event is always kept); 0 keeps them regardless of age. @default 30 */
  eventRetentionDays: number;
  /** Each tenant keeps at most this many events, the newest; 0 means no count limit. @default 1000000 */
  eventRetentionMaxEvents: number;
  /** How often event retention runs, in ms. @default 600000 (10 minutes) */
  eventRetentionIntervalMs: number;
  /** Interval of the SSE heartbeat comment and the WebSocket ping, in ms. @default 15000 */
  eventStreamHeartbeatMs: number;
  /** A stream client with more than this many bytes unsent is too far behind and is closed (it resumes from its last ID). @default 1048576 */
  eventStreamMaxBufferBytes: number;
  /** Live stream delivery is coalesced per tenant and flushed this often, in ms: each client gets one write per flush however many events were committed; 0 sends on every commit. @default 10 */
  eventStreamFlushMs: number;
  /** Lifetime of a stream token (`POST /events/stream-tokens`), in seconds. @default 60 */
  eventStreamTokenTtl: number;
  /** How long a webhook receiver has to answer with 2xx, in ms; slower is a failed attempt. @default 15000 */
  webhookTimeoutMs: number;
  /**
   * Delay before each webhook attempt, in ms: the first entry is the first attempt (0 = at once), every later entry one retry.
   * @default [0, 5000, 300000, 1800000, 7200000, 18000000, 36000000, 36000000] (at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h)
   */
  webhookRetrySchedule: number[];
  /** Random spread of each retry delay, in percent of the delay (20 = ±10 %). @default 20 */
  webhookRetryJitterPercent: number;
  /** An endpoint failing without a success for this long is disabled (and `endpoint.disabled` emitted), in ms. @default 432000000 (5 days) */
  webhookDisableAfterMs: number;
  /** How long a rotated-out webhook secret still signs beside the new one, in ms. @default 86400000 (24 h) */
  webhookRotationGraceMs: number;
  /** Which non-public webhook targets are allowed: "off" none, "loopback" 127.0.0.0/8 and ::1, "on" every private and link-local address. @default "off" */
  webhookAllowPrivateTargets: 'off' | 'loopback' | 'on';
  /** Webhook requests in flight at once per process. @default 64 */
  webhookConcurrency: number;
  /** How often the webhook dispatcher looks for new events, in ms. @default 200 */
  webhookPollMs: number;
  /** Finished webhook deliveries (and their attempts) older than this many days are removed by the daily `webhooks.prune` job. @default 30 */
  webhookLogRetentionDays: number;
  /** "on" runs the job worker and the cron scheduler in this process; "off" leaves jobs to other replicas. @default "on" */
  jobsWorker: 'on' | 'off';
  /** Jobs one process runs at once. @default 4 */
  jobsConcurrency: number;
  /** How often the worker looks for due jobs, expired leases and due schedules when nothing woke it, in ms. @default 1000 */
  jobsPollIntervalMs: number;
  /** How long a claimed job stays the worker's without a heartbeat (the worker heartbeats every third of it), in ms. @default 30000 */
  jobsLeaseMs: number;
  /** Attempts of a job whose type and enqueue set no limit. @default 5 */
  jobsMaxAttempts: number;
  /** Delay before the first retry (doubled per attempt), in ms. @default 1000 */
  jobsRetryInitialMs: number;
  /** Longest delay between retries, in ms. @default 3600000 (1 hour) */
  jobsRetryMaxMs: number;
  /** An attempt running longer than this is aborted and counts as failed, unless its type sets its own, in ms. @default 900000 (15 minutes) */
  jobsTimeoutMs: number;
  /** How long a stopping worker waits for running jobs before aborting them and releasing their leases, in ms. @default 10000 */
  jobsShutdownTimeoutMs: number;
  /** Finished jobs (succeeded, cancelled, dead) older than this many days are removed by the `jobs.prune` job type. @default 14 */
  jobsRetentionDays: number;
  /** "on" gives each tenant the memory analysis schedules (patterns, mistakes, review, maintenance) on its first memory write in a process; "off" creates none (existing ones stay). @default "on" */
  memorySchedules: 'on' | 'off';
  /** An accepted decision with no outcome this many days after it was recorded gets a `decision.review_due` reminder, once per this many days. @default 90 */
  memoryReviewDays: number;
  /** Failed logins for one (tenant, email) within the window before further attempts are refused with 429. @default 5 */
  loginMaxFailures: number;
  /** Failed logins from one IP address within the window before further attempts from it are refused with 429. @default 50 */
  loginMaxFailuresPerIp: number;
  /** The window failed logins are counted in, in ms; a quiet window resets the count. @default 900000 (15 minutes) */
  loginFailureWindowMs: number;
  /** First lockout once a limit is reached, in ms; each further lockout of the same key doubles it. @default 60000 (1 minute) */
  loginLockoutMs: number;
  /** Longest lockout, in ms. @default 3600000 (1 hour) */
  loginLockoutMaxMs: number;
  /** "on" limits requests per API key or session and per tenant (GCRA); "off" never limits. @default "on" */
  rateLimit: 'on' | 'off';
  /** Sustained requests per second one API key or user session may make. @default 100 */
  rateLimitKeyRate: number;
  /** Requests one API key or session may make at once after being idle (the bucket size). @default 200 */
  rateLimitKeyBurst: number;
  /** Sustained requests per second one tenant may make, over all its keys and sessions. @default 1000 */
  rateLimitTenantRate: number;
  /** Requests one tenant may make at once after being idle. @default 2000 */
  rateLimitTenantBurst: number;
  /** Sustained requests per second per key or session on routes declaring `config.rateLimit: 'expensive'`. @default 5 */
  rateLimitExpensiveRate: number;
  /** Burst per key or session on routes declaring `config.rateLimit: 'expensive'`. @default 10 */
  rateLimitExpensiveBurst: number;
  /** What requests get while Redis cannot answer: "open" serves them unlimited, "closed" refuses them with 503. @default "open" */
  rateLimitRedisFailure: 'open' | 'closed';
  /** Redis URL (`redis://…` or `rediss://…`) for rate limits shared by every replica; unset keeps them in this process's memory. @default undefined */
  redisUrl: string | undefined;
  /** Prefix of every Redis key Trellis writes. @default "trellis:" */
  redisKeyPrefix: string;
  /** How long a Redis command may take before it counts as failed, in ms. @default 200 */
  redisTimeoutMs: number;
  /** Bearer token that reads /metrics; unset: /metrics is open on a loopback host and needs a `system`-scope key otherwise. @default undefined */
  metricsToken: string | undefined;
  /** Base URL of an OpenAI-compatible API for the LLM extractor, up to and including `/v1` (OpenAI, Ollama, vLLM …); unset: no LLM extractor. @default undefined */
  llmBaseUrl: string | undefined;
  /** Bearer token of the LLM endpoint; never logged or echoed in errors. @default undefined */
  llmApiKey: string | undefined;
  /** Model name the LLM endpoint knows (e.g. "gpt-4o-mini", "llama3.1"). @default undefined */
  llmModel: string | undefined;
  /** LLM requests in flight at once per extractor. @default 4 */
  llmConcurrency: number;
  /** Time allowed for one LLM request to be answered before it is abandoned and retried, in ms. @default 60000 */
  llmTimeoutMs: number;
  /** Retries of an LLM request after 429, 5xx, timeouts and connection resets (never after other 4xx). @default 5 */
  llmMaxRetries: number;
  /** Backoff ceiling of the first LLM retry, in ms, doubled per retry with full jitter below it. @default 500 */
  llmRetryBaseMs: number;
  /** Largest LLM backoff ceiling, in ms. @default 30000 */
  llmRetryMaxMs: number;
  /** Price of 1,000 input (prompt) tokens, for cost accounting, in any one currency. @default 0 */
  llmPriceInputPer1k: number;
  /** Price of 1,000 output (completion) tokens, in the same currency. @default 0 */
  llmPriceOutputPer1k: number;
  /** Target length of a document chunk, in characters (UTF-16 code units); chunks are whole sentences up to it. @default 1200 */
  ingestChunkSize: number;
  /** Characters of whole trailing sentences a chunk repeats from the one before; at most ingestChunkSize - 1 is used. @default 150 */
  ingestChunkOverlap: number;
  /** Locale of the sentence segmenter (Intl.Segmenter) that places chunk boundaries. @default "en" */
  ingestChunkLocale: string;
  /**
   * The folder `POST /ingest` may read server-side paths from (absolute after resolving against the working folder);
   * every path, after symlinks are resolved, must lie under it. Unset: server-side ingest over HTTP is off. @default undefined
   */
  ingestRoot: string | undefined;
  /** Largest total size of the files of one `POST /sources` upload, and of one `POST /import` body, in bytes; more is refused with 413 and nothing is kept. @default 268435456 (256 MiB) */
  ingestUploadMaxBytes: number;
  /** Which embedder makes vectors: "builtin" (offline feature hashing), "openai" (an OpenAI-compatible /v1/embeddings endpoint) or "transformers" (a local model folder). @default "builtin" */
  embedder: 'builtin' | 'openai' | 'transformers';
  /** Vector length: the built-in embedder's (16 to 4096), or sent to the endpoint as `dimensions`; unset: 384 built-in, the model's own otherwise. @default undefined */
  embedDimensions: number | undefined;
  /** Base URL of the embeddings endpoint, up to and including `/v1` (required for "openai"). @default undefined */
  embedBaseUrl: string | undefined;
  /** Embedding model name at the endpoint (required for "openai"), e.g. "text-embedding-3-small", "nomic-embed-text". @default undefined */
  embedModel: string | undefined;
  /** Bearer token of the embeddings endpoint; never logged or echoed in errors. @default undefined */
  embedApiKey: string | undefined;
  /** Folder of a local transformers.js model (config.json, tokenizer.json, onnx/model.onnx); required for "transformers". @default undefined */
  embedModelPath: string | undefined;
  /** Texts per request to the endpoint (and per batch of a local model). @default 64 */
  embedBatchSize: number;
  /** Embedding requests in flight at once. @default 4 */
  embedConcurrency: number;
  /** Time allowed for one embedding request, in ms. @default 60000 */
  embedTimeoutMs: number;
  /** Retries of an embedding request after 429, 5xx, timeouts and connection errors (never after other 4xx). @default 5 */
  embedMaxRetries: number;
  /** How vectors travel from the endpoint: "base64" (little-endian float32, 4x smaller) or "float" (JSON numbers); answers in either form are accepted. @default "base64" */
  embedEncoding: 'base64' | 'float';
  /** Texts longer than this many characters are cut before a remote or local model embeds them (at whitespace near the limit). @default 8192 */
  embedMaxChars: number;
  /** Worker threads of the built-in embedder's pool; 0: available cores − 1 (at least 1). @default 0 */
  embedWorkers: number;
  /** "on" queues a `search.embed` job for a tenant after each of its ingest jobs succeeds. @default "on" */
  embedAfterIngest: 'on' | 'off';
  /** "on" answers vector search from in-memory indexes built in worker threads (flat, or IVF for large scopes); "off" always searches the store exhaustively. @default "on" */
  vectorIndex: 'on' | 'off';
  /** Scopes (tenant, owner kind, embedder) with fewer vectors get a flat in-memory index (every vector scored: exact); larger ones an IVF index (approximate). @default 20000 */
  vectorExactBelow: number;
  /** IVF lists scanned per query (more: higher recall, slower). @default 128 */
  vectorProbes: number;
  /** IVF candidates (by int8 score) whose float32 vectors are read from the store to rescore them exactly. @default 100 */
  vectorRescore: number;
  /** A filter that leaves at most this many vectors of an IVF scope is answered by exact search over them. @default 5000 */
  vectorFilterExactBelow: number;
  /** Bytes all in-memory vector indexes of the process may take together; the least recently used are dropped. @default 2147483648 (2 GiB) */
  vectorIndexMaxBytes: number;
  /** Worker threads that scan vector indexes (a large scan is split over all of them); 0: min(2, available cores). @default 0 */
  vectorSearchThreads: number;
  /**
   * Worker threads that run searches on SQLite (the full-text query, the graph signal and the reads of results, on
   * read-only connections of their own); 0: min(2, available cores). PostgreSQL and in-memory stores search on the
   * event loop, whose database work is I/O. @default 0
   */
  searchThreads: number;
  /** `on`: the server builds the vector indexes of every tenant at start, in the background; `off`: the first searches do. @default on */
  vectorIndexWarm: 'on' | 'off';
  /** `on`: a memory write that changes a memory's text queues a `memory.extract` job (one per tenant every two seconds) that links the entities it mentions; `off`: memories stay unlinked until a job is queued by hand. @default on */
  memoryAutoExtract: 'on' | 'off';
  /** `on`: such a write also queues `search.embed` for memories (one per tenant every ten seconds), so recall by meaning needs no `trellis embed`. @default on */
  memoryAutoEmbed: 'on' | 'off';
  /** OTLP/HTTP collector base URL; traces go to `<url>/v1/traces`. Read from the standard OTEL_EXPORTER_OTLP_ENDPOINT; unset: no tracing. @default undefined */
  otlpEndpoint: string | undefined;
  /** Base URL of the Trellis server the CLI's client commands (`remember`, `recall`, …) talk to; unset: `http://<host>:<port>` of this configuration (loopback when host is 0.0.0.0 or ::). @default undefined */
  url: string | undefined;
  /** API key the CLI's client commands send as `Authorization: Bearer …`; never logged or echoed in errors. @default undefined */
  apiKey: string | undefined;
}

type Parser<T> = (raw: unknown) => T;

interface Setting<K extends keyof TrellisConfig> {
  env: string;
  yaml: string;
  default: TrellisConfig[K];
  allowed: string;
  parse: Parser<TrellisConfig[K]>;
}

class BadValue extends Error {}

const integer =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
    if (!Number.isInteger(value) || value < min || value > max) throw new BadValue();
    return value;
  };

const decimal =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : Number.NaN;
    if (!Number.isFinite(value) || value < min || value > max) throw new BadValue();
    return value;
  };

const text: Parser<string> = (raw) => {
  if (typeof raw !== 'string' && typeof raw !== 'number') throw new BadValue();
  return String(raw);
};

const optionalText: Parser<string | undefined> = (raw) => {
  const value = text(raw).trim();
  return value === '' ? undefined : value;
};

const oneOf =
  <T extends string>(...values: T[]): Parser<T> =>
  (raw) => {
    const value = typeof raw === 'boolean' ? (raw ? 'on' : 'off') : text(raw).trim().toLowerCase();
    if (!values.includes(value as T)) throw new BadValue();
    return value as T;
  };

const list: Parser<string[]> = (raw) => {
  if (Array.isArray(raw)) return raw.map((item) => text(item).trim()).filter(Boolean);
  return text(raw)
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
};

const databaseUrl: Parser<string | undefined> = (raw) => {
  const value = optionalText(raw);
  if (value === undefined) return undefined;
  if (!/^postgres(ql)?:\/\//.test(value)) throw new BadValue();
  return value;
};

const settings: { [K in keyof TrellisConfig]: Setting<K> } = {
  host: {
    env: 'TRELLIS_HOST',
    yaml: 'host',
    default: '127.0.0.1',
    allowed: 'an IP address or host name',
    parse: (raw) => {
      const value = text(raw).trim();
      if (!/^[A-Za-z0-9.:_-]+$/.test(value)) throw new BadValue();
      return value;
    },
  },
  port: { env: 'TRELLIS_PORT', yaml: 'port', default: 7420, allowed: 'an integer from 0 to 65535', parse: integer(0, 65535) },
  dataDir: {
    env: 'TRELLIS_DATA_DIR',
    yaml: 'dataDir',
    default: './data',
    allowed: 'a folder path',
    parse: (raw) => {
      const value = text(raw).trim();
      if (value === '') throw new BadValue();
      return value;
    },
  },
  databaseUrl: {
    env: 'TRELLIS_DATABASE_URL',
    yaml: 'databaseUrl',
    default: undefined,
    allowed: 'a postgres:// or postgresql:// URL, or empty for SQLite',
    parse: databaseUrl,
  },
  databaseRole: {
    env: 'TRELLIS_DATABASE_ROLE',
    yaml: 'databaseRole',
    default: 'trellis_app',
    allowed: 'a PostgreSQL role name or empty',
    parse: (raw) => {
      const value = text(raw).trim();
      if (value !== '' && !/^[a-z_][a-z0-9_]{0,62}$/.test(value)) throw new BadValue();
      return value;
    },
  },
  databasePoolSize: { env: 'TRELLIS_DATABASE_POOL_SIZE', yaml: 'databasePoolSize', default: 10, allowed: 'an integer from 1 to 1000', parse: integer(1, 1000) },
  logLevel: {
    env: 'TRELLIS_LOG_LEVEL',
    yaml: 'logLevel',
    default: 'info',
    allowed: 'fatal, error, warn, info, debug, trace or silent',
    parse: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
  },
  bodyLimit: {
    env: 'TRELLIS_BODY_LIMIT',
    yaml: 'bodyLimit',
    default: 1024 * 1024,
    allowed: 'bytes, an integer from 1024 to 1073741824',
    parse: integer(1024, 1024 ** 3),
  },
  bulkBodyLimit: {
    env: 'TRELLIS_BULK_BODY_LIMIT',
    yaml: 'bulkBodyLimit',
    default: 32 * 1024 * 1024,
    allowed: 'bytes, an integer from 1024 to 1073741824',
    parse: integer(1024, 1024 ** 3),
  },
  corsOrigins: { env: 'TRELLIS_CORS_ORIGINS', yaml: 'corsOrigins', default: [], allowed: 'a comma-separated list of origins, or *', parse: list },
  auth: { env: 'TRELLIS_AUTH', yaml: 'auth', default: 'on', allowed: 'on or off', parse: oneOf('on', 'off') },
  jwtSecret: {
    env: 'TRELLIS_JWT_SECRET',
    yaml: 'jwtSecret',
    default: undefined,
    allowed: 'a string of at least 32 characters',
    parse: (raw) => {
      const value = optionalText(raw);
      if (value !== undefined && value.length < 32) throw new BadValue();
      return value;
    },
  },
  accessTokenTtl: {
    env: 'TRELLIS_ACCESS_TOKEN_TTL',
    yaml: 'accessTokenTtl',
    default: 900,
    allowed: 'seconds, an integer from 10 to 86400',
    parse: integer(10, 86400),
  },
  refreshTokenTtl: {
    env: 'TRELLIS_REFRESH_TOKEN_TTL',
    yaml: 'refreshTokenTtl',
    default: 30 * 86400,
    allowed: 'seconds, an integer from 60 to 31536000',
    parse: integer(60, 365 * 86400),
  },
  graphProjection: { env: 'TRELLIS_GRAPH_PROJECTION', yaml: 'graphProjection', default: 'on', allowed: 'on or off', parse: oneOf('on', 'off') },
  graphProjectionMaxRelations: {
    env: 'TRELLIS_GRAPH_PROJECTION_MAX_RELATIONS',
    yaml: 'graphProjectionMaxRelations',
    default: 20_000_000,
    allowed: 'an integer from 0 to 1000000000',
    parse: integer(0, 1_000_000_000),
  },
  analyticsInlineMaxRelations: {
    env: 'TRELLIS_ANALYTICS_INLINE_MAX_RELATIONS',
    yaml: 'analyticsInlineMaxRelations',
    default: 50_000,
    allowed: 'an integer from 0 to 1000000000',
    parse: integer(0, 1_000_000_000),
  },
  analyticsThreads: { env: 'TRELLIS_ANALYTICS_THREADS', yaml: 'analyticsThreads', default: 2, allowed: 'an integer from 1 to 64', parse: integer(1, 64) },
  jobsWorker: { env: 'TRELLIS_JOBS_WORKER', yaml: 'jobsWorker', default: 'on', allowed: 'on or off', parse: oneOf('on', 'off') },
  jobsConcurrency: { env: 'TRELLIS_JOBS_CONCURRENCY', yaml: 'jobsConcurrency', default: 4, allowed: 'an integer from 1 to 256', parse: integer(1, 256) },
  jobsPollIntervalMs: {
    env: 'TRELLIS_JOBS_POLL_INTERVAL_MS',
    yaml: 'jobsPollIntervalMs',
    default: 1000,
    allowed: 'milliseconds, an integer from 10 to 600000',
    parse: integer(10, 600_000),
  },
  jobsLeaseMs: {
    env: 'TRELLIS_JOBS_LEASE_MS',
    yaml: 'jobsLeaseMs',
    default: 30_000,
    allowed: 'milliseconds, an integer from 300 to 3600000',
    parse: integer(300, 3_600_000),
  },
  jobsMaxAttempts: { env: 'TRELLIS_JOBS_MAX_ATTEMPTS', yaml: 'jobsMaxAttempts', default: 5, allowed: 'an integer from 1 to 1000', parse: integer(1, 1000) },
  jobsRetryInitialMs: {
    env: 'TRELLIS_JOBS_RETRY_INITIAL_MS',
    yaml: 'jobsRetryInitialMs',
    default: 1000,
    allowed: 'milliseconds, an integer from 0 to 86400000',
    parse: integer(0, 86_400_000),
  },
  jobsRetryMaxMs: {
    env: 'TRELLIS_JOBS_RETRY_MAX_MS',
    yaml: 'jobsRetryMaxMs',
    default: 3_600_000,
    allowed: 'milliseconds, an integer from 0 to 604800000',
    parse: integer(0, 604_800_000),
  },
  jobsTimeoutMs: {
    env: 'TRELLIS_JOBS_TIMEOUT_MS',
    yaml: 'jobsTimeoutMs',
    default: 900_000,
    allowed: 'milliseconds, an integer from 100 to 86400000',
    parse: integer(100, 86_400_000),
  },
  jobsShutdownTimeoutMs: {
    env: 'TRELLIS_JOBS_SHUTDOWN_TIMEOUT_MS',
    yaml: 'jobsShutdownTimeoutMs',
    default: 10_000,
    allowed: 'milliseconds, an integer from 0 to 600000',
    parse: integer(0, 600_000),
  },
  jobsRetentionDays: {
    env: 'TRELLIS_JOBS_RETENTION_DAYS',
    yaml: 'jobsRetentionDays',
    default: 14,
    allowed: 'days, an integer from 1 to 3650',
    parse: integer(1, 3650),
  },
  memorySchedules: { env: 'TRELLIS_MEMORY_SCHEDULES', yaml: 'memorySchedules', default: 'on', allowed: 'on or off', parse: oneOf('on', 'off') },
  memoryReviewDays: {
    env: 'TRELLIS_MEMORY_REVIEW_DAYS',
    yaml: 'memoryReviewDays',
    default: 90,
    allowed: 'days, an integer from 1 to 3650',
    parse: integer(1, 3650),
  },
  webhookTimeoutMs: {
    env: 'TRELLIS_WEBHOOK_TIMEOUT_MS',
    yaml: 'webhookTimeoutMs',
    default: 15_000,
    allowed: 'milliseconds, an integer from 100 to 300000',
    parse: integer(100, 300_000),
  },
  webhookRetrySchedule: {
    env: 'TRELLIS_WEBHOOK_RETRY_SCHEDULE',
    yaml: 'webhookRetrySchedule',
    default: [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
    allowed: 'a comma-separated list of 1 to 50 delays in milliseconds, each an integer from 0 to 604800000',
    parse: (raw) => {
      const delays = list(raw).map(integer(0, 7 * 86_400_000));
      if (delays.length === 0 || delays.length > 50) throw new BadValue();
      return delays;
    },
  },
  webhookRetryJitterPercent: {
    env: 'TRELLIS_WEBHOOK_RETRY_JITTER_PERCENT',
    yaml: 'webhookRetryJitterPercent',
    default: 20,
    allowed: 'an integer from 0 to 100',
    parse: integer(0, 100),
  },
  webhookDisableAfterMs: {
    env: 'TRELLIS_WEBHOOK_DISABLE_AFTER_MS',
    yaml: 'webhookDisableAfterMs',
    default: 5 * 86_400_000,
    allowed: 'milliseconds, an integer from 1 to 7776000000 (90 days)',
    parse: integer(1, 90 * 86_400_000),
  },
  webhookRotationGraceMs: {
    env: 'TRELLIS_WEBHOOK_ROTATION_GRACE_MS',
    yaml: 'webhookRotationGraceMs',
    default: 86_400_000,
    allowed: 'milliseconds, an integer from 0 to 2592000000 (30 days)',
    parse: integer(0, 30 * 86_400_000),
  },
  webhookAllowPrivateTargets: {
    env: 'TRELLIS_WEBHOOK_ALLOW_PRIVATE_TARGETS',
    yaml: 'webhookAllowPrivateTargets',
    default: 'off',
    allowed: 'off, loopback or on',
    parse: oneOf('off', 'loopback', 'on'),
  },
  webhookConcurrency: {
    env: 'TRELLIS_WEBHOOK_CONCURRENCY',
    yaml: 'webhookConcurrency',
    default: 64,
    allowed: 'an integer from 1 to 4096',
    parse: integer(1, 4096),
  },
  webhookLogRetentionDays: {
    env: 'TRELLIS_WEBHOOK_LOG_RETENTION_DAYS',
    yaml: 'webhookLogRetentionDays',
    default: 30,
    allowed: 'days, an integer from 1 to 3650',
    parse: integer(1, 3650),
  },
  webhookPollMs: {
    env: 'TRELLIS_WEBHOOK_POLL_MS',
    yaml: 'webhookPollMs',
    default: 200,
    allowed: 'milliseconds, an integer from 10 to 60000',
    parse: integer(10, 60_000),
  },
  readCacheMaxBytes: {
    env: 'TRELLIS_READ_CACHE_MAX_BYTES',
    yaml: 'readCacheMaxBytes',
    default: 64 * 2 ** 20,
    allowed: 'an integer from 0 to 17179869184 (16 GiB)',
    parse: integer(0, 16 * 2 ** 30),
  },
  viewInlineMaxRows: {
    env: 'TRELLIS_VIEW_INLINE_MAX_ROWS',
    yaml: 'viewInlineMaxRows',
    default: 50_000,
    allowed: 'an integer from 0 to 100000000',
    parse: integer(0, 100_000_000),
  },
  viewMaxRows: {
    env: 'TRELLIS_VIEW_MAX_ROWS',
    yaml: 'viewMaxRows',
    default: 2_000_000,
    allowed: 'an integer from 1 to 100000000',
    parse: integer(1, 100_000_000),
  },
  apiKeyCacheMs: {
    env: 'TRELLIS_API_KEY_CACHE_MS',
    yaml: 'apiKeyCacheMs',
    default: 5000,
    allowed: 'milliseconds, an integer from 0 to 600000',
    parse: integer(0, 600_000),
  },
  eventPollMs: {
    env: 'TRELLIS_EVENT_POLL_MS',
    yaml: 'eventPollMs',
    default: 200,
    allowed: 'milliseconds, an integer from 10 to 60000',
    parse: integer(10, 60_000),
  },
  eventRetentionDays: {
    env: 'TRELLIS_EVENT_RETENTION_DAYS',
    yaml: 'eventRetentionDays',
    default: 30,
    allowed: 'days, an integer from 0 (no age limit) to 36500',
    parse: integer(0, 36_500),
  },
  eventRetentionMaxEvents: {
    env: 'TRELLIS_EVENT_RETENTION_MAX_EVENTS',
    yaml: 'eventRetentionMaxEvents',
    default: 1_000_000,
    allowed: 'an integer from 0 (no count limit) to 1000000000000',
    parse: integer(0, 1_000_000_000_000),
  },
  eventRetentionIntervalMs: {
    env: 'TRELLIS_EVENT_RETENTION_INTERVAL_MS',
    yaml: 'eventRetentionIntervalMs',
    default: 600_000,
    allowed: 'milliseconds, an integer from 100 to 86400000',
    parse: integer(100, 86_400_000),
  },
  eventStreamHeartbeatMs: {
    env: 'TRELLIS_EVENT_STREAM_HEARTBEAT_MS',
    yaml: 'eventStreamHeartbeatMs',
    default: 15_000,
    allowed: 'milliseconds, an integer from 50 to 600000',
    parse: integer(50, 600_000),
  },
  eventStreamMaxBufferBytes: {
    env: 'TRELLIS_EVENT_STREAM_MAX_BUFFER_BYTES',
    yaml: 'eventStreamMaxBufferBytes',
    default: 1024 * 1024,
    allowed: 'bytes, an integer from 4096 to 1073741824',
    parse: integer(4096, 1024 ** 3),
  },
  eventStreamFlushMs: {
    env: 'TRELLIS_EVENT_STREAM_FLUSH_MS',
    yaml: 'eventStreamFlushMs',
    default: 10,
    allowed: 'milliseconds, an integer from 0 (send on every commit) to 1000',
    parse: integer(0, 1000),
  },
  eventStreamTokenTtl: {
    env: 'TRELLIS_EVENT_STREAM_TOKEN_TTL',
    yaml: 'eventStreamTokenTtl',
    default: 60,
    allowed: 'seconds, an integer from 5 to 3600',
    parse: integer(5, 3600),
  },
  loginMaxFailures: {
    env: 'TRELLIS_LOGIN_MAX_FAILURES',
    yaml: 'loginMaxFailures',
    default: 5,
    allowed: 'an integer from 1 to 1000',
    parse: integer(1, 1000),
  },
  loginMaxFailuresPerIp: {
    env: 'TRELLIS_LOGIN_MAX_FAILURES_PER_IP',
    yaml: 'loginMaxFailuresPerIp',
    default: 50,
    allowed: 'an integer from 1 to 1000000',
    parse: integer(1, 1_000_000),
  },
  loginFailureWindowMs: {
    env: 'TRELLIS_LOGIN_FAILURE_WINDOW_MS',
    yaml: 'loginFailureWindowMs',
    default: 900_000,
    allowed: 'milliseconds, an integer from 1000 to 86400000',
    parse: integer(1000, 86_400_000),
  },
  loginLockoutMs: {
    env: 'TRELLIS_LOGIN_LOCKOUT_MS',
    yaml: 'loginLockoutMs',
    default: 60_000,
    allowed: 'milliseconds, an integer from 1000 to 86400000',
    parse: integer(1000, 86_400_000),
  },
  loginLockoutMaxMs: {
    env: 'TRELLIS_LOGIN_LOCKOUT_MAX_MS',
    yaml: 'loginLockoutMaxMs',
    default: 3_600_000,
    allowed: 'milliseconds, an integer from 1000 to 604800000',
    parse: integer(1000, 604_800_000),
  },
  rateLimit: { env: 'TRELLIS_RATE_LIMIT', yaml: 'rateLimit', default: 'on', allowed: 'on or off', parse: oneOf('on', 'off') },
  rateLimitKeyRate: {
    env: 'TRELLIS_RATE_LIMIT_KEY_RATE',
    yaml: 'rateLimitKeyRate',
    default: 100,
    allowed: 'requests per second, a number from 0.001 to 10000000',
    parse: decimal(0.001, 10_000_000),
  },
  rateLimitKeyBurst: {
    env: 'TRELLIS_RATE_LIMIT_KEY_BURST',
    yaml: 'rateLimitKeyBurst',
    default: 200,
    allowed: 'an integer from 1 to 100000000',
    parse: integer(1, 100_000_000),
  },
  rateLimitTenantRate: {
    env: 'TRELLIS_RATE_LIMIT_TENANT_RATE',
    yaml: 'rateLimitTenantRate',
    default: 1000,
    allowed: 'requests per second, a number from 0.001 to 10000000',
    parse: decimal(0.001, 10_000_000),
  },
  rateLimitTenantBurst: {
    env: 'TRELLIS_RATE_LIMIT_TENANT_BURST',
    yaml: 'rateLimitTenantBurst',
    default: 2000,
    allowed: 'an integer from 1 to 100000000',
    parse: integer(1, 100_000_000),
  },
  rateLimitExpensiveRate: {
    env: 'TRELLIS_RATE_LIMIT_EXPENSIVE_RATE',
    yaml: 'rateLimitExpensiveRate',
    default: 5,
    allowed: 'requests per second, a number from 0.001 to 10000000',
    parse: decimal(0.001, 10_000_000),
  },
  rateLimitExpensiveBurst: {
    env: 'TRELLIS_RATE_LIMIT_EXPENSIVE_BURST',
    yaml: 'rateLimitExpensiveBurst',
    default: 10,
    allowed: 'an integer from 1 to 100000000',
    parse: integer(1, 100_000_000),
  },
  rateLimitRedisFailure: {
    env: 'TRELLIS_RATE_LIMIT_REDIS_FAILURE',
    yaml: 'rateLimitRedisFailure',
    default: 'open',
    allowed: 'open or closed',
    parse: oneOf('open', 'closed'),
  },
  redisUrl: {
    env: 'TRELLIS_REDIS_URL',
    yaml: 'redisUrl',
    default: undefined,
    allowed: 'a redis:// or rediss:// URL, or empty for in-memory rate limits',
    parse: (raw) => {
      const value = optionalText(raw);
      if (value !== undefined && !/^rediss?:\/\/\S+$/.test(value)) throw new BadValue();
      return value;
    },
  },
  redisKeyPrefix: {
    env: 'TRELLIS_REDIS_KEY_PREFIX',
    yaml: 'redisKeyPrefix',
    default: 'trellis:',
    allowed: '1 to 64 characters of A-Z a-z 0-9 . _ : -',
    parse: (raw) => {
      const value = text(raw).trim();
      if (!/^[A-Za-z0-9._:-]{1,64}$/.test(value)) throw new BadValue();
      return value;
    },
  },
  redisTimeoutMs: {
    env: 'TRELLIS_REDIS_TIMEOUT_MS',
    yaml: 'redisTimeoutMs',
    default: 200,
    allowed: 'milliseconds, an integer from 1 to 60000',
    parse: integer(1, 60_000),
  },
  metricsToken: {
    env: 'TRELLIS_METRICS_TOKEN',
    yaml: 'metricsToken',
    default: undefined,
    allowed: 'a string of 16 to 256 visible ASCII characters, or empty',
    parse: (raw) => {
      const value = optionalText(raw);
      if (value !== undefined && !/^[\x21-\x7e]{16,256}$/.test(value)) throw new BadValue();
      return value;
    },
  },
  llmBaseUrl: {
    env: 'TRELLIS_LLM_BASE_URL',
    yaml: 'llmBaseUrl',
    default: undefined,
    allowed: 'an http:// or https:// URL (e.g. http://127.0.0.1:11434/v1), or empty for no LLM extractor',
    parse: (raw) => {
      const value = optionalText(raw);
      if (value !== undefined && !/^https?:\/\/\S+$/.test(value)) throw new BadValue();
      return value;
    },
  },
  // Accepts any text, so a bad key is never echoed back in a configuration error.
  llmApiKey: { env: 'TRELLIS_LLM_API_KEY', yaml: 'llmApiKey', default: undefined, allowed: 'a string', parse: optionalText },
  llmModel: {
    env: 'TRELLIS_LLM_MODEL',
    yaml: 'llmModel',
    default: undefined,
    allowed: 'a model name of 1 to 200 visible characters',
    parse: (raw) => {
      const value = optionalText(raw);
      if (value !== undefined && !/^[\x21-\x7e]{1,200}$/.test(value)) throw new BadValue();
      return value;
    },
  },
  llmConcurrency: { env: 'TRELLIS_LLM_CONCURRENCY', yaml: 'llmConcurrency', default: 4, allowed: 'an integer from 1 to 256', parse: integer(1, 256) },
  llmTimeoutMs: {
    env: 'TRELLIS_LLM_TIMEOUT_MS',
    yaml: 'llmTimeoutMs',
    default: 60_000,
    allowed: 'milliseconds, an integer from 100 to 3600000',
    parse: integer(100, 3_600_000),
  },
  llmMaxRetries: { env: 'TRELLIS_LLM_MAX_RETRIES', yaml: 'llmMaxRetries', default: 5, allowed: 'an integer from 0 to 50', parse: integer(0, 50) },
  llmRetryBaseMs: {
    env: 'TRELLIS_LLM_RETRY_BASE_MS',
    yaml: 'llmRetryBaseMs',
    default: 500,
    allowed: 'milliseconds, an integer from 0 to 600000',
    parse: integer(0, 600_000),
  },
  llmRetryMaxMs: {
    env: 'TRELLIS_LLM_RETRY_MAX_MS',
    yaml: 'llmRetryMaxMs',
    default: 30_000,
    allowed: 'milliseconds, an integer from 0 to 3600000',
    parse: integer(0, 3_600_000),
  },
  llmPriceInputPer1k: {
    env: 'TRELLIS_LLM_PRICE_INPUT_PER_1K',
    yaml: 'llmPriceInputPer1k',
    default: 0,
    allowed: 'a price per 1,000 input tokens, a number from 0 to 1000',
    parse: decimal(0, 1000),
  },
  llmPriceOutputPer1k: {
    env: 'TRELLIS_LLM_PRICE_OUTPUT_PER_1K',
    yaml: 'llmPriceOutputPer1k',
    default: 0,
    allowed: 'a price per 1,000 output tokens, a number from 0 to 1000',
    parse: decimal(0, 1000),
  },
  ingestChunkSize: {
    env: 'TRELLIS_INGEST_CHUNK_SIZE',
    yaml: 'ingestChunkSize',
    default: 1200,
    allowed: 'characters, an integer from 100 to 100000',
    parse: integer(100, 100_000),
  },
  ingestChunkOverlap: {
    env: 'TRELLIS_INGEST_CHUNK_OVERLAP',
    yaml: 'ingestChunkOverlap',
    default: 150,
    allowed: 'characters, an integer from 0 to 50000 (at most ingestChunkSize - 1 is used)',
    parse: integer(0, 50_000),
  },
  ingestChunkLocale: {
    env: 'TRELLIS_INGEST_CHUNK_LOCALE',
    yaml: 'ingestChunkLocale',
    default: 'en',
    allowed: 'a BCP 47 locale supported by Intl.Segmenter, such as en, de or ja',
    parse: (raw) => {
      const value = text(raw).trim();
      try {
        if (Intl.Segmenter.supportedLocalesOf([value]).length === 0) throw new BadValue();
      } catch {
        throw new BadValue();
      }
      return value;
    },
  },
  ingestRoot: {
    env: 'TRELLIS_INGEST_ROOT',
    yaml: 'ingestRoot',
    default: undefined,
    allowed: 'a folder path (resolved against the working folder), or empty to turn server-side ingest off',
    parse: (raw) => {
      const value = optionalText(raw);
      if (value === undefined) return undefined;
      if (value.includes('\u0000')) throw new BadValue();
      return path.resolve(value);
    },
  },
  ingestUploadMaxBytes: {
    env: 'TRELLIS_INGEST_UPLOAD_MAX_BYTES',
    yaml: 'ingestUploadMaxBytes',
    default: 256 * 1024 * 1024,
    allowed: 'bytes, an integer from 1 to 68719476736 (64 GiB)',
    parse: integer(1, 64 * 1024 ** 3),
  },
  embedder: {
    env: 'TRELLIS_EMBEDDER',
    yaml: 'embedder',
    default: 'builtin',
    allowed: 'builtin, openai or transformers',
    parse: oneOf('builtin', 'openai', 'transformers'),
  },
  embedDimensions: {
    env: 'TRELLIS_EMBED_DIMENSIONS',
    yaml: 'embedDimensions',
    default: undefined,
    allowed: 'an integer from 16 to 8192, or empty for the default',
    parse: (raw) => (optionalText(raw) === undefined ? undefined : integer(16, 8192)(raw)),
  },
  embedBaseUrl: {
    env: 'TRELLIS_EMBED_BASE_URL',
    yaml: 'embedBaseUrl',
    default: undefined,
    allowed: 'an http:// or https:// URL (e.g. http://127.0.0.1:11434/v1), or empty',
    parse: (raw) => {
      const value = optionalText(raw);
      if (value !== undefined && (!/^https?:\/\/\S+$/.test(value) || !URL.canParse(value))) throw new BadValue();
      return value;
    },
  },
  embedModel: {
    env: 'TRELLIS_EMBED_MODEL',
    yaml: 'embedModel',
    default: undefined,
    allowed: 'a model name of 1 to 200 visible characters',
    parse: (raw) => {
      const value = optionalText(raw);
      if (value !== undefined && !/^[\x21-\x7e]{1,200}$/.test(value)) throw new BadValue();
      return value;
    },
  },
  // Accepts any text, so a bad key is never echoed back in a configuration error.
  embedApiKey: { env: 'TRELLIS_EMBED_API_KEY', yaml: 'embedApiKey', default: undefined, allowed: 'a string', parse: optionalText },
  embedModelPath: {
    env: 'TRELLIS_EMBED_MODEL_PATH',
    yaml: 'embedModelPath',
    default: undefined,
    allowed: 'a folder path (resolved against the working folder), or empty',
    parse: (raw) => {
      const value = optionalText(raw);
      if (value === undefined) return undefined;
      if (value.includes('\u0000')) throw new BadValue();
      return path.resolve(value);
    },
  },
  embedBatchSize: { env: 'TRELLIS_EMBED_BATCH_SIZE', yaml: 'embedBatchSize', default: 64, allowed: 'an integer from 1 to 2048', parse: integer(1, 2048) },
  embedConcurrency: { env: 'TRELLIS_EMBED_CONCURRENCY', yaml: 'embedConcurrency', default: 4, allowed: 'an integer from 1 to 256', parse: integer(1, 256) },
  embedTimeoutMs: {
    env: 'TRELLIS_EMBED_TIMEOUT_MS',
    yaml: 'embedTimeoutMs',
    default: 60_000,
    allowed: 'milliseconds, an integer from 100 to 3600000',
    parse: integer(100, 3_600_000),
  },
  embedMaxRetries: { env: 'TRELLIS_EMBED_MAX_RETRIES', yaml: 'embedMaxRetries', default: 5, allowed: 'an integer from 0 to 50', parse: integer(0, 50) },
  embedEncoding: { env: 'TRELLIS_EMBED_ENCODING', yaml: 'embedEncoding', default: 'base64', allowed: 'base64 or float', parse: oneOf('base64', 'float') },
  embedMaxChars: {
    env: 'TRELLIS_EMBED_MAX_CHARS',
    yaml: 'embedMaxChars',
    default: 8192,
    allowed: 'characters, an integer from 16 to 1000000',
    parse: integer(16, 1_000_000),
  },
  embedWorkers: { env: 'TRELLIS_EMBED_WORKERS', yaml: 'embedWorkers', default: 0, allowed: 'an integer from 0 (cores − 1) to 256', parse: integer(0, 256) },
  embedAfterIngest: { env: 'TRELLIS_EMBED_AFTER_INGEST', yaml: 'embedAfterIngest', default: 'on', allowed: 'on or off', parse: oneOf('on', 'off') },
  vectorIndex: { env: 'TRELLIS_VECTOR_INDEX', yaml: 'vectorIndex', default: 'on', allowed: 'on or off', parse: oneOf('on', 'off') },
  vectorExactBelow: {
    env: 'TRELLIS_VECTOR_EXACT_BELOW',
    yaml: 'vectorExactBelow',
    default: 20_000,
    allowed: 'vectors, an integer from 0 to 100000000',
    parse: integer(0, 100_000_000),
  },
  vectorProbes: { env: 'TRELLIS_VECTOR_PROBES', yaml: 'vectorProbes', default: 128, allowed: 'lists, an integer from 1 to 65535', parse: integer(1, 65_535) },
  vectorRescore: {
    env: 'TRELLIS_VECTOR_RESCORE',
    yaml: 'vectorRescore',
    default: 100,
    allowed: 'vectors, an integer from 10 to 10000',
    parse: integer(10, 10_000),
  },
  vectorFilterExactBelow: {
    env: 'TRELLIS_VECTOR_FILTER_EXACT_BELOW',
    yaml: 'vectorFilterExactBelow',
    default: 5000,
    allowed: 'vectors, an integer from 0 to 100000000',
    parse: integer(0, 100_000_000),
  },
  vectorIndexMaxBytes: {
    env: 'TRELLIS_VECTOR_INDEX_MAX_BYTES',
    yaml: 'vectorIndexMaxBytes',
    default: 2 * 1024 ** 3,
    allowed: 'bytes, an integer from 0 to 1099511627776',
    parse: integer(0, 1024 ** 4),
  },
  vectorSearchThreads: {
    env: 'TRELLIS_VECTOR_SEARCH_THREADS',
    yaml: 'vectorSearchThreads',
    default: 0,
    allowed: 'an integer from 0 (min(2, cores)) to 64',
    parse: integer(0, 64),
  },
  vectorIndexWarm: { env: 'TRELLIS_VECTOR_INDEX_WARM', yaml: 'vectorIndexWarm', default: 'on', allowed: 'on or off', parse: oneOf('on', 'off') },
  memoryAutoExtract: { env: 'TRELLIS_MEMORY_AUTO_EXTRACT', yaml: 'memoryAutoExtract', default: 'on', allowed: 'on or off', parse: oneOf('on', 'off') },
  memoryAutoEmbed: { env: 'TRELLIS_MEMORY_AUTO_EMBED', yaml: 'memoryAutoEmbed', default: 'on', allowed: 'on or off', parse: oneOf('on', 'off') },
  searchThreads: {
    env: 'TRELLIS_SEARCH_THREADS',
    yaml: 'searchThreads',
    default: 0,
    allowed: 'an integer from 0 (min(2, cores)) to 64',
    parse: integer(0, 64),
  },
  otlpEndpoint: {
    env: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    yaml: 'otlpEndpoint',
    default: undefined,
    allowed: 'an http:// or https:// URL, or empty for no tracing',
    parse: (raw) => {
      const value = optionalText(raw);
      if (value !== undefined && !/^https?:\/\/\S+$/.test(value)) throw new BadValue();
      return value;
    },
  },
  url: {
    env: 'TRELLIS_URL',
    yaml: 'url',
    default: undefined,
    allowed: 'an http:// or https:// URL of a Trellis server (e.g. http://127.0.0.1:7420), or empty for http://<host>:<port>',
    parse: (raw) => {
      const value = optionalText(raw);
      if (value !== undefined && (!/^https?:\/\/\S+$/.test(value) || !URL.canParse(value))) throw new BadValue();
      return value;
    },
  },
  // Accepts any text, so a bad key is never echoed back in a configuration error.
  apiKey: { env: 'TRELLIS_API_KEY', yaml: 'apiKey', default: undefined, allowed: 'a string', parse: optionalText },
};

/** Options for {@link loadConfig}; both default to the real process. */
export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Path of the YAML file; `TRELLIS_CONFIG` or `./trellis.yaml` when it exists. */
  file?: string;
  /** Values that win over everything (used by the CLI's flags and by tests). */
  overrides?: Partial<TrellisConfig>;
}

/**
 * Builds and validates the configuration: defaults, then trellis.yaml, then TRELLIS_* variables, then overrides.
 * A bad value throws a `config_invalid` error naming the key, the value and what is allowed.
 * @example
 * const config = loadConfig({ env: { TRELLIS_PORT: '8080' } });
 */
export function loadConfig(options: LoadConfigOptions = {}): TrellisConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env.TRELLIS_CONFIG ?? (existsSync('trellis.yaml') ? 'trellis.yaml' : undefined);
  const fromFile = file === undefined ? {} : readYaml(file);
  const known = new Set(Object.values(settings).map((setting) => setting.yaml));
  for (const key of Object.keys(fromFile)) {
    if (!known.has(key)) {
      throw new TrellisError('config_invalid', `Unknown key "${key}" in ${file}; allowed keys: ${[...known].join(', ')}`, { key, file });
    }
  }
  const config: Record<string, unknown> = {};
  for (const [name, setting] of Object.entries(settings) as [keyof TrellisConfig, Setting<keyof TrellisConfig>][]) {
    let value: unknown = setting.default;
    let origin = '';
    let raw: unknown;
    if (setting.yaml in fromFile) {
      raw = fromFile[setting.yaml];
      origin = `${setting.yaml} in ${file}`;
    }
    if (env[setting.env] !== undefined) {
      raw = env[setting.env];
      origin = setting.env;
    }
    if (origin !== '') {
      try {
        value = setting.parse(raw);
      } catch {
        throw new TrellisError('config_invalid', `Invalid configuration: ${origin}=${JSON.stringify(raw)}; expected ${setting.allowed}`, {
          key: origin,
          value: raw,
          allowed: setting.allowed,
        });
      }
    }
    config[name] = value;
  }
  Object.assign(config, options.overrides);
  const result = config as unknown as TrellisConfig;
  if (result.auth === 'off' && !isLoopback(result.host)) {
    throw new TrellisError(
      'config_invalid',
      `Invalid configuration: TRELLIS_AUTH=off is allowed only when TRELLIS_HOST is a loopback address, not ${JSON.stringify(result.host)}`,
      { key: 'TRELLIS_AUTH', value: 'off', allowed: 'on, or off with a loopback host' },
    );
  }
  checkEmbedder(result);
  return result;
}

/** The embedder settings that only make sense together: each provider's required keys, and the built-in dimension range. */
function checkEmbedder(config: TrellisConfig): void {
  const missing = (key: string, env: string) =>
    new TrellisError('config_invalid', `Invalid configuration: TRELLIS_EMBEDDER=${config.embedder} needs ${env} (${key})`, {
      key: env,
      allowed: `a value for ${key}`,
    });
  if (config.embedder === 'openai') {
    if (config.embedBaseUrl === undefined) throw missing('embedBaseUrl', 'TRELLIS_EMBED_BASE_URL');
    if (config.embedModel === undefined) throw missing('embedModel', 'TRELLIS_EMBED_MODEL');
  }
  if (config.embedder === 'transformers' && config.embedModelPath === undefined) throw missing('embedModelPath', 'TRELLIS_EMBED_MODEL_PATH');
  if (config.embedder === 'builtin' && config.embedDimensions !== undefined && config.embedDimensions > 4096) {
    throw new TrellisError(
      'config_invalid',
      `Invalid configuration: the built-in embedder makes 16 to 4096 dimensions, not ${config.embedDimensions} (TRELLIS_EMBED_DIMENSIONS)`,
      {
        key: 'TRELLIS_EMBED_DIMENSIONS',
        value: config.embedDimensions,
        allowed: 'an integer from 16 to 4096',
      },
    );
  }
}

function readYaml(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new TrellisError('config_invalid', `Cannot read ${file}: ${(error as Error).message}`, { file }, { cause: error });
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TrellisError('config_invalid', `${file} must hold a mapping of keys to values`, { file });
  }
  return parsed as Record<string, unknown>;
}

/** Whether a host string names the loopback interface. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** Path of the SQLite database file for a configuration. */
export function sqlitePath(config: TrellisConfig): string {
  return path.resolve(config.dataDir, 'trellis.db');
}
