/** @module Test helper: an SSE client over a real streaming fetch, and event writers through the outbox. */
import { appendEvent } from '../../src/store/index.js';
import type { Store } from '../../src/store/index.js';

/** One SSE message as the client saw it. */
export interface SseMessage {
  id: string | null;
  event: string | null;
  data: string;
}

/** An open SSE response: parsed messages and comments as they arrive. */
export interface SseClient {
  status: number;
  headers: Headers;
  messages: SseMessage[];
  comments: string[];
  /** Resolves when `predicate` holds for what has arrived (checked on every chunk); rejects when the stream ends first. */
  until(predicate: (client: SseClient) => boolean, label?: string): Promise<void>;
  /** True once the server ended the stream. */
  ended(): boolean;
  close(): void;
}

/** Opens `url` as an SSE stream (real HTTP); a non-200 answer is returned with its body in `comments[0]`. */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const client: SseClient = {
    status: response.status,
    headers: response.headers,
    messages: [],
    comments: [],
    until: () => Promise.resolve(),
    ended: () => done,
    close: () => controller.abort(),
  };
  let done = false;
  const waiters = new Set<{ check(): void }>();
  if (response.status !== 200) {
    client.comments.push(await response.text());
    done = true;
    return client;
  }
  client.until = (predicate, label = 'condition') =>
    new Promise<void>((resolve, reject) => {
      const waiter = {
        check() {
          if (predicate(client)) {
            waiters.delete(waiter);
            resolve();
          } else if (done) {
            waiters.delete(waiter);
            reject(new Error(`the stream ended before ${label}; got ${client.messages.length} messages, comments ${JSON.stringify(client.comments)}`));
          }
        },
      };
      waiters.add(waiter);
      waiter.check();
    });
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const message: SseMessage = { id: null, event: null, data: '' };
          let isMessage = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) client.comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) ((message.id = line.slice(4)), (isMessage = true));
            else if (line.startsWith('event: ')) message.event = line.slice(7);
            else if (line.startsWith('data: ')) ((message.data = line.slice(6)), (isMessage = true));
          }
          if (isMessage) client.messages.push(message);
        }
        for (const waiter of [...waiters]) waiter.check();
      }
    } catch {
      // aborted by the test
    }
    done = true;
    for (const waiter of [...waiters]) waiter.check();
  })();
  return client;
}

/** Appends events of the given types in one transaction (as a mutation would); returns their sequences. */
export function writeEvents(store: Store, tenantId: string, types: string[], subject: string | null = null): Promise<number[]> {
  return store.transaction({ tenantId }, (tx) =>
    appendEvent(
      tx,
      types.map((type, index) => ({ type, subject, payload: { index } })),
    ),
  );
}

/** The sequences of messages received, as numbers. */
export function seqs(client: SseClient): number[] {
  return client.messages.map((message) => Number(message.id));
}
