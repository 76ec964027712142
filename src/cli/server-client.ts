/**
 * @module The CLI as an HTTP client of a Trellis server: where the server is (`--url`, `TRELLIS_URL`, `url`), which key
 * to send (`--key`, `TRELLIS_API_KEY`, `apiKey`), and the server's problem+json answers turned into errors that carry
 * their own hint and exit code.
 */
import { type ErrorCode, TrellisError, errorCatalogue } from '../core/errors.js';
import { type GlobalOptions, configFrom } from './context.js';

/** How long one request may take before the CLI gives up on the server, in ms. */
const requestTimeoutMs = 30_000;

/** Flags every client command takes. */
export interface ServerFlags {
  url?: string;
  key?: string;
}

/** Where to send requests and with which key. */
export interface ServerTarget {
  /** Base URL without a trailing slash. */
  url: string;
  key: string | undefined;
}

/** An error of a client command: a catalogue code (so `reportError` maps its exit code) with a hint of its own. */
export class ServerCallError extends TrellisError {
  readonly #hint: string | undefined;

  constructor(code: ErrorCode, message: string, hint: string | undefined, details?: Record<string, unknown>) {
    super(code, message, details);
    this.#hint = hint;
  }

  override get hint(): string | undefined {
    return this.#hint ?? super.hint;
  }
}

const keyHint = 'Give an API key with --key, TRELLIS_API_KEY or apiKey in trellis.yaml (`trellis keys create` makes one).';

/** The server URL and key from the flags, then the configuration (TRELLIS_URL / TRELLIS_API_KEY, trellis.yaml). */
export function serverTarget(options: GlobalOptions, flags: ServerFlags): ServerTarget {
  const config = configFrom(options);
  let url = flags.url ?? config.url;
  if (url === undefined) {
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    url = `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
  }
  if (!/^https?:\/\/\S+$/.test(url) || !URL.canParse(url))
    throw new ServerCallError('bad_request', `--url must be an http:// or https:// URL; got ${JSON.stringify(url)}`, undefined);
  const key = flags.key ?? config.apiKey;
  if (flags.key !== undefined && flags.key.trim() === '') throw new ServerCallError('bad_request', '--key is empty', keyHint);
  return { url: url.replace(/\/+$/, ''), key };
}

/** The catalogue code for a status the server answered with a code this CLI does not know. */
function codeForStatus(status: number): ErrorCode {
  const byStatus: Record<number, ErrorCode> = {
    400: 'bad_request',
    401: 'unauthenticated',
    403: 'forbidden',
    404: 'not_found',
    409: 'conflict',
    413: 'payload_too_large',
    415: 'unsupported_media_type',
    422: 'unprocessable',
    429: 'rate_limited',
    503: 'store_unavailable',
  };
  return byStatus[status] ?? (status >= 400 && status < 500 ? 'bad_request' : 'internal');
}

interface Problem {
  code?: unknown;
  detail?: unknown;
  title?: unknown;
  details?: unknown;
}

/** The error for a non-2xx answer, naming the status and the problem's detail. */
function problemError(target: ServerTarget, method: string, path: string, status: number, problem: Problem): ServerCallError {
  const known = typeof problem.code === 'string' && problem.code in errorCatalogue ? (problem.code as ErrorCode) : undefined;
  const code = known ?? codeForStatus(status);
  const detail = typeof problem.detail === 'string' ? problem.detail : typeof problem.title === 'string' ? problem.title : `HTTP ${status}`;
  const details = problem.details !== null && typeof problem.details === 'object' ? (problem.details as Record<string, unknown>) : undefined;
  const message = `${method} ${path} → ${status}: ${detail}`;
  if (status === 401)
    return new ServerCallError(
      code,
      target.key === undefined
        ? `The server at ${target.url} requires an API key and none was given (${detail})`
        : `The server at ${target.url} refused the API key (${detail})`,
      keyHint,
      details,
    );
  if (status === 403) return new ServerCallError(code, message, 'The key lacks the scope for this; use a key with the write (or read) scope.', details);
  if (status === 404 && code === 'route_not_found')
    return new ServerCallError(code, message, `The server at ${target.url} does not offer this route; it may be an older Trellis version.`, details);
  return new ServerCallError(code, message, undefined, details);
}

/**
 * Sends one JSON request and resolves to the parsed 2xx answer; anything else throws a {@link ServerCallError}:
 * `store_unavailable` (exit 4) when the server cannot be reached, the server's own code otherwise.
 * @example
 * const memory = await callServer<Memory>(target, 'POST', '/memories', { kind: 'note', text: 'Use tabs' });
 */
export async function callServer<T>(target: ServerTarget, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (target.key !== undefined) headers.authorization = `Bearer ${target.key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`${target.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason =
      (error as Error).name === 'TimeoutError' ? `no answer within ${requestTimeoutMs / 1000} s` : (cause?.code ?? cause?.message ?? (error as Error).message);
    throw new ServerCallError(
      'store_unavailable',
      `Cannot reach the Trellis server at ${target.url} (${reason})`,
      'Start it with `trellis serve`, or point --url, TRELLIS_URL or url in trellis.yaml at a running server.',
      { url: target.url, reason },
    );
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!response.ok) throw problemError(target, method, path, response.status, (parsed ?? {}) as Problem);
  if (parsed === undefined && response.status !== 204)
    throw new ServerCallError(
      'internal',
      `${method} ${path} → ${response.status}, but the answer is not JSON`,
      `Check that ${target.url} is a Trellis server.`,
    );
  return parsed as T;
}
