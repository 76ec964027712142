/** @module One webhook attempt: a signed POST to a pinned, checked address, with a timeout, no redirects, and a truncated response body for the log. */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { TrellisError } from '../../core/errors.js';
import { signatureHeader } from './signing.js';
import { type PrivateTargets, resolveTarget } from './target-guard.js';

/** What the delivery log keeps of a response body. */
export const responseBodyLimit = 1024;

/** The message to send. */
export interface OutgoingMessage {
  url: string;
  messageId: string;
  body: string;
  /** Secrets that sign, current first. */
  secrets: readonly string[];
}

/** The outcome of one attempt. */
export interface AttemptResult {
  startedAt: string;
  durationMs: number;
  /** The response status, or null when none came (refused, unreachable, timed out). */
  statusCode: number | null;
  /** Why the attempt failed without a status, or why a status is not success. */
  error: string | null;
  /** The first {@link responseBodyLimit} characters of the response body. */
  responseBody: string | null;
  /** The `Retry-After` header, as sent. */
  retryAfter: string | undefined;
  ok: boolean;
}

/** Options of {@link sendAttempt}. */
export interface SendOptions {
  timeoutMs: number;
  allowPrivate: PrivateTargets;
}

// Keep-alive pools: a busy endpoint reuses its connections; sockets are keyed by host and port, and each was
// opened to an address the guard checked.
const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 256 }), https: new https.Agent({ keepAlive: true, maxSockets: 256 }) };

/**
 * Sends one signed attempt. Never throws: every failure is an {@link AttemptResult} with `ok: false`.
 * Success is a 2xx status with the whole response read within `timeoutMs`; 3xx is not followed and not success.
 */
export async function sendAttempt(message: OutgoingMessage, options: SendOptions): Promise<AttemptResult> {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const fail = (error: string, statusCode: number | null = null, responseBody: string | null = null, retryAfter?: string): AttemptResult => ({
    startedAt,
    durationMs: Date.now() - started,
    statusCode,
    error,
    responseBody,
    retryAfter,
    ok: false,
  });
  let target;
  try {
    target = await resolveTarget(new URL(message.url), options.allowPrivate);
  } catch (error) {
    return fail(error instanceof TrellisError ? error.message : `bad url: ${(error as Error).message}`);
  }
  const timestamp = Math.floor(started / 1000);
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'Trellis-Webhooks/1',
    'webhook-id': message.messageId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatureHeader(message.secrets, message.messageId, timestamp, message.body),
  };
  const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
    if ((lookupOptions as { all?: boolean }).all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const isHttps = target.url.protocol === 'https:';
  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    const settle = (result: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const request = (isHttps ? https : http).request(target.url, {
      method: 'POST',
      headers: { ...headers, 'content-length': Buffer.byteLength(message.body) },
      agent: isHttps ? agents.https : agents.http,
      lookup: pinned,
    });
    const timer = setTimeout(() => {
      settle(fail(`no complete response within ${options.timeoutMs} ms`));
      request.destroy();
    }, options.timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) => settle(fail(`${error.code ?? 'error'}: ${error.message}`)));
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      response.on('data', (chunk: Buffer) => {
        if (kept < responseBodyLimit * 4) {
          chunks.push(chunk);
          kept += chunk.length;
        }
      });
      response.on('error', (error) => settle(fail(`response: ${error.message}`)));
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        const text = Buffer.concat(chunks).toString('utf8').slice(0, responseBodyLimit);
        const retryAfter = typeof response.headers['retry-after'] === 'string' ? response.headers['retry-after'] : undefined;
        if (status >= 200 && status < 300) {
          settle({ startedAt, durationMs: Date.now() - started, statusCode: status, error: null, responseBody: text, retryAfter, ok: true });
        } else {
          settle(
            fail(
              status >= 300 && status < 400 ? `redirect to ${String(response.headers.location ?? '?').slice(0, 200)} not followed` : `HTTP ${status}`,
              status,
              text,
              retryAfter,
            ),
          );
        }
      });
    });
    request.end(message.body);
  });
}
