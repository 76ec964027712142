/** @module The error catalogue: every error Trellis reports, with its HTTP status and message template. */

/** One entry of the catalogue: a stable code, the HTTP status it maps to, and a title. */
export interface ErrorDefinition {
  readonly status: number;
  readonly title: string;
  /** What the user can do about it; printed by the CLI under the message. */
  readonly hint?: string;
}

/** Every error code Trellis emits. The `type` of a problem+json body is `https://trellis.dev/errors/<code>`. */
export const errorCatalogue = {
  bad_request: { status: 400, title: 'The request is malformed' },
  validation_failed: { status: 400, title: 'The request did not match its schema' },
  invalid_json: { status: 400, title: 'The body is not valid JSON' },
  invalid_cursor: { status: 400, title: 'The pagination cursor is not valid' },
  unauthenticated: {
    status: 401,
    title: 'Authentication is required',
    hint: 'Send an API key as "Authorization: Bearer trl_…" or a JWT access token.',
  },
  invalid_credentials: { status: 401, title: 'The credentials are not valid' },
  token_expired: { status: 401, title: 'The token has expired', hint: 'Refresh it with POST /auth/refresh.' },
  refresh_token_reused: {
    status: 401,
    title: 'The refresh token was already used; its whole family is revoked',
    hint: 'Log in again.',
  },
  forbidden: { status: 403, title: 'The credentials lack the scope or role for this action' },
  not_found: { status: 404, title: 'The resource does not exist' },
  route_not_found: { status: 404, title: 'No such route' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'The resource conflicts with an existing one' },
  payload_too_large: { status: 413, title: 'The body is larger than the limit' },
  uri_too_long: { status: 414, title: 'A path parameter is longer than the limit' },
  unsupported_media_type: { status: 415, title: 'The content type is not supported' },
  unprocessable: { status: 422, title: 'The request is well-formed but cannot be applied' },
  webhook_target_refused: {
    status: 400,
    title: 'The webhook URL is not an allowed target',
    hint: 'Use a public http(s) URL; private, loopback, link-local and metadata addresses need webhookAllowPrivateTargets.',
  },
  rate_limited: { status: 429, title: 'Too many requests' },
  rate_limit_unavailable: {
    status: 503,
    title: 'The rate-limit store is unavailable',
    hint: 'Check that Redis answers at TRELLIS_REDIS_URL (run `trellis doctor`), or set TRELLIS_RATE_LIMIT_REDIS_FAILURE=open.',
  },
  internal: { status: 500, title: 'Internal server error' },
  llm_request_failed: {
    status: 502,
    title: 'The LLM endpoint refused or failed the request',
    hint: 'Check TRELLIS_LLM_BASE_URL, TRELLIS_LLM_API_KEY and TRELLIS_LLM_MODEL; retryable failures (429, 5xx, timeouts) were already retried.',
  },
  llm_output_invalid: { status: 502, title: 'The LLM answer did not match the extraction schema, even after a repair request' },
  embed_request_failed: {
    status: 502,
    title: 'The embeddings endpoint refused or failed the request',
    hint: 'Check TRELLIS_EMBED_BASE_URL, TRELLIS_EMBED_API_KEY and TRELLIS_EMBED_MODEL; retryable failures (429, 5xx, timeouts) were already retried.',
  },
  embed_output_invalid: {
    status: 502,
    title: 'The embeddings endpoint answered something that is not one vector per text',
    hint: 'Check that TRELLIS_EMBED_MODEL is an embedding model and TRELLIS_EMBED_DIMENSIONS matches it; try TRELLIS_EMBED_ENCODING=float.',
  },
  embedder_unavailable: {
    status: 503,
    title: 'The configured embedder cannot be loaded',
    hint: 'For TRELLIS_EMBEDDER=transformers install @huggingface/transformers and point TRELLIS_EMBED_MODEL_PATH at a local model folder; see docs/embeddings.md.',
  },
  store_unavailable: {
    status: 503,
    title: 'The store is unavailable',
    hint: 'Check TRELLIS_DATABASE_URL and that the database accepts connections; run `trellis doctor`.',
  },
  config_invalid: { status: 500, title: 'The configuration is invalid' },
  schema_invalid: {
    status: 422,
    title: 'The extraction schema is not valid',
    hint: 'Fix the schema file at the line and column given; `docs/ingestion.md` describes the format.',
  },
  migration_failed: { status: 500, title: 'A migration failed', hint: 'Fix the cause and run `trellis migrate` again.' },
  backup_invalid: {
    status: 422,
    title: 'The backup archive is not valid',
    hint: 'The file is corrupted, truncated or not a Trellis backup; restore from another copy. The target was left unchanged.',
  },
  ingest_unsupported: {
    status: 415,
    title: 'The file is not a kind Trellis can ingest',
    hint: 'Use one of .txt .md .html .pdf .docx .json .jsonl .csv .xlsx, with content that matches the extension.',
  },
  ingest_parse_failed: {
    status: 422,
    title: 'The file could not be parsed',
    hint: 'The file is corrupt, truncated, encrypted or not in the format its extension says; fix or re-export it. Other files of the batch are not affected.',
  },
  ingest_disabled: {
    status: 403,
    title: 'Server-side ingest is disabled',
    hint: 'Set ingestRoot (TRELLIS_INGEST_ROOT) to the folder POST /ingest may read, or upload the files with POST /sources.',
  },
  ingest_path_outside_root: {
    status: 403,
    title: 'The path is outside the ingest root',
    hint: 'Name files under ingestRoot (TRELLIS_INGEST_ROOT); symlinks and ".." are resolved before the check.',
  },
  restore_target_not_empty: {
    status: 409,
    title: 'The restore target already holds data',
    hint: 'Restore into an empty database, or pass --force to replace its contents.',
  },
} as const satisfies Record<string, ErrorDefinition>;

/** A code from the catalogue. */
export type ErrorCode = keyof typeof errorCatalogue;

/** The error type thrown everywhere in Trellis; the HTTP layer turns it into problem+json. */
export class TrellisError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  /**
   * @example
   * throw new TrellisError('not_found', 'Entity 0190… does not exist');
   */
  constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    const definition: ErrorDefinition = errorCatalogue[code];
    super(message ?? definition.title, options);
    this.name = 'TrellisError';
    this.code = code;
    this.status = definition.status;
    this.details = details;
  }

  /** The remediation hint from the catalogue, if any. */
  get hint(): string | undefined {
    return (errorCatalogue[this.code] as ErrorDefinition).hint;
  }
}

/** Shorthand for the most common error: a missing (or other tenant's) resource. */
export function notFound(kind: string, id: string): TrellisError {
  return new TrellisError('not_found', `${kind} ${JSON.stringify(id)} does not exist`, { kind, id });
}

/** The problem+json `type` URI of a code. */
export function problemType(code: ErrorCode): string {
  return `https://trellis.dev/errors/${code}`;
}
