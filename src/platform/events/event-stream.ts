/** @module The cursor protocol shared by SSE and WebSocket: replay from a sequence, then live, with no gap and no duplicate at the switch. */
import type { Store } from '../../store/index.js';
import { type LoggedEvent, readEvents } from './event-log.js';
import { type EventFilter, matchesFilter } from './filters.js';
import type { FeedBatch, TenantFeeds } from './tenant-feed.js';

/** Where a stream's events go: SSE responses and WebSockets implement it. */
export interface StreamSink {
  /**
   * Sends events (already filtered), oldest first, in one socket write. Live batches hand every stream with the same
   * filter the same array, so an encoding memoised on the array is built once for all of them.
   */
  send(events: readonly LoggedEvent[]): void;
  /** Bytes accepted but not yet written to the network. */
  buffered(): number;
  /** Resolves once the buffered bytes went out (or the sink closed). */
  drained(): Promise<void>;
  /** Ends the stream because the client is too far behind; `lastSeq` is where it should resume. */
  tooSlow(lastSeq: number): void;
}

/** Options of {@link openEventStream}. */
export interface EventStreamOptions {
  store: Store;
  feeds: TenantFeeds;
  tenantId: string;
  filter: EventFilter;
  /** Replay events after this sequence. */
  after: number;
  sink: StreamSink;
  /** A live client with more buffered bytes than this is closed as too slow. */
  maxBufferBytes: number;
  /** Told when the stream fails (the store went away); the caller closes the connection. */
  onError(error: unknown): void;
}

/** A running stream. */
export interface EventStream {
  /** The last sequence the stream has dealt with (sent, or filtered out). */
  position(): number;
  close(): void;
}

const replayPage = 500;
/** Catch-up writes wait for the socket once this much is buffered, so a replay holds little memory. */
const replayHighWater = 256 * 1024;
/** Live batches held while catching up; past this they are dropped and read again from the store. */
const maxQueuedBatches = 256;

/**
 * Opens a stream: it joins the tenant's feed first, replays `seq > after` from the store, and then sends live
 * batches above the last sequence replayed. Any gap (the feed ran ahead while replaying, or batches were dropped)
 * is filled from the store, so the client sees every matching event once, in order.
 */
export function openEventStream(options: EventStreamOptions): EventStream {
  const { store, tenantId, filter, sink } = options;
  let position = options.after;
  let closed = false;
  let catchingUp = false;
  let queue: FeedBatch[] = [];
  let overflowed = false;

  function sendMatching(batch: FeedBatch): void {
    // A batch that starts at the position is the common case: its shared filtered view goes as it is.
    const matching =
      batch.from === position
        ? batch.matching(filter)
        : batch.events.filter((event) => event.seq > position && matchesFilter(filter, event.type, event.subject));
    if (matching.length > 0) sink.send(matching);
  }

  /** Applies a live batch; false when it starts past the position (a gap the store must fill). */
  function apply(batch: FeedBatch): boolean {
    if (batch.upTo <= position) return true;
    if (batch.from > position) return false;
    // Judged on what is still unsent from earlier batches, so one event larger than the bound still goes to a reader that keeps up.
    if (sink.buffered() > options.maxBufferBytes) {
      closed = true;
      leave();
      sink.tooSlow(position);
      return true;
    }
    sendMatching(batch);
    position = batch.upTo;
    return true;
  }

  async function catchUp(): Promise<void> {
    catchingUp = true;
    try {
      while (!closed) {
        for (;;) {
          const latest = await store.version(tenantId);
          if (closed || latest <= position) break;
          const from = position;
          const events = await store.read({ tenantId }, (tx) => readEvents(tx, tenantId, from, latest, filter, replayPage));
          if (closed) return;
          if (events.length > 0) sink.send(events);
          position = events.length < replayPage ? latest : (events[events.length - 1] as LoggedEvent).seq;
          if (sink.buffered() > replayHighWater) await sink.drained();
          if (events.length < replayPage) break;
        }
        // Hand over to the live batches held meanwhile; a gap among them sends us back to the store.
        const held = queue;
        const dropped = overflowed;
        queue = [];
        overflowed = false;
        let gap = dropped;
        for (const batch of held) {
          if (closed) return;
          if (!apply(batch)) {
            gap = true;
            break;
          }
        }
        if (!gap) return;
      }
    } catch (error) {
      if (!closed) {
        closed = true;
        leave();
        options.onError(error);
      }
    } finally {
      catchingUp = false;
    }
  }

  const leave = options.feeds.join(tenantId, (batch) => {
    if (closed) return;
    if (catchingUp) {
      if (queue.length < maxQueuedBatches) queue.push(batch);
      else overflowed = true;
      return;
    }
    if (!apply(batch)) {
      queue.push(batch);
      void catchUp();
    }
  });
  void catchUp();

  return {
    position: () => position,
    close() {
      if (closed) return;
      closed = true;
      leave();
    },
  };
}
