/**
 * Webhook receiver for bench/webhooks.ts, run as its own process: verifies every message's signature with the
 * standardwebhooks package, as a real receiver would, dedupes on webhook-id, and records commit-to-receipt latency
 * (receipt time minus the event's `timestamp`, both from this machine's clock). Talks to its parent over IPC.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

let verifier: Webhook | null = null;
const seen = new Set<string>();
const latencies: number[] = [];
let invalid = 0;
let duplicates = 0;
let firstAt = 0;
let lastAt = 0;

const server = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const now = Date.now();
    const body = Buffer.concat(chunks).toString('utf8');
    const id = String(request.headers['webhook-id']);
    try {
      (verifier as Webhook).verify(body, {
        'webhook-id': id,
        'webhook-timestamp': String(request.headers['webhook-timestamp']),
        'webhook-signature': String(request.headers['webhook-signature']),
      });
    } catch {
      invalid++;
    }
    if (seen.has(id)) duplicates++;
    else {
      seen.add(id);
      latencies.push(now - Date.parse((JSON.parse(body) as { timestamp: string }).timestamp));
      firstAt ||= now;
      lastAt = now;
    }
    response.writeHead(204).end();
  });
});

process.on('message', (message: { secret?: string; report?: boolean }) => {
  if (message.secret) verifier = new Webhook(message.secret);
  if (message.report) process.send?.({ received: seen.size, invalid, duplicates, latencies, firstAt, lastAt });
});

server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
