/** @module Test helpers for webhooks: a real receiver on 127.0.0.1 that verifies signatures with the standardwebhooks package, and a bounded wait. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** How the receiver answers the next request. */
export type ReceiverMode = { status: number; headers?: Record<string, string>; body?: string } | 'hang' | { delayMs: number; status: number };

/** One request as the receiver saw it. */
export interface Received {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  /** The secrets (by index in `receiver.secrets`) whose verification passed. */
  verifiedWith: number[];
  answered: number | 'hang';
}

/** A receiver for webhook tests. */
export interface Receiver {
  url: string;
  received: Received[];
  /** Secrets a receiver would verify with; set after creating the endpoint. */
  secrets: string[];
  /** Answers, consumed in order; when empty, `fallback` answers. */
  script: ReceiverMode[];
  fallback: ReceiverMode;
  close(): Promise<void>;
}

/** Starts a receiver on a free port of 127.0.0.1. */
export async function startReceiver(fallback: ReceiverMode = { status: 204 }): Promise<Receiver> {
  const hanging = new Set<http.ServerResponse>();
  const receiver: Receiver = { url: '', received: [], secrets: [], script: [], fallback, close: async () => {} };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': String(request.headers['webhook-id'] ?? ''),
        'webhook-timestamp': String(request.headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(request.headers['webhook-signature'] ?? ''),
      };
      const verifiedWith: number[] = [];
      receiver.secrets.forEach((secret, index) => {
        try {
          new Webhook(secret).verify(body, headers);
          verifiedWith.push(index);
        } catch {
          // not signed with this one
        }
      });
      const mode = receiver.script.shift() ?? receiver.fallback;
      receiver.received.push({
        id: headers['webhook-id'],
        timestamp: headers['webhook-timestamp'],
        signature: headers['webhook-signature'],
        body,
        verifiedWith,
        answered: mode === 'hang' ? 'hang' : mode.status,
      });
      if (mode === 'hang') {
        hanging.add(response);
        return;
      }
      const answer = () => {
        response.writeHead(mode.status, 'headers' in mode ? mode.headers : {});
        response.end('body' in mode ? mode.body : '');
      };
      if ('delayMs' in mode) setTimeout(answer, mode.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  receiver.close = async () => {
    for (const response of hanging) response.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return receiver;
}

/** Waits until `check` returns a truthy value (polling every 20 ms) or fails after `limitMs` with `what`. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, limitMs = 15_000): Promise<NonNullable<T>> {
  const until = Date.now() + limitMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Webhook settings compressed for tests: loopback allowed, retries within a second, fast polling. */
export const fastWebhooks = {
  webhookAllowPrivateTargets: 'loopback',
  webhookRetrySchedule: [0, 50, 100, 150, 200],
  webhookRetryJitterPercent: 0,
  webhookPollMs: 20,
  webhookTimeoutMs: 1000,
} as const;
