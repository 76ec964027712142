/** @module Tenant feeds: one reader per tenant turns change notifications into batches of events shared by all of its streams. */
import type { Store } from '../../store/index.js';
import { type LoggedEvent, readEvents } from './event-log.js';
import { type EventFilter, everyEvent, filterKey, matchesFilter } from './filters.js';
import type { ChangeNotifier } from './notifier.js';

/** Every event of the tenant with `from < seq <= upTo` (none are missing: the sequence is gap-free). */
export interface FeedBatch {
  from: number;
  upTo: number;
  events: readonly LoggedEvent[];
  /**
   * The events passing the filter, computed once per distinct filter and shared: streams with the same filter get
   * the same array, so what a sink builds from it (an SSE chunk) can be built once too.
   */
  matching(filter: EventFilter): readonly LoggedEvent[];
}

/** Options of {@link createTenantFeeds}. */
export interface TenantFeedOptions {
  /** Commits are coalesced and delivered at most this often, in ms; 0 delivers on every notification. */
  flushMs: number;
}

/** A batch whose filtered views are memoised by filter. */
function makeBatch(from: number, upTo: number, events: readonly LoggedEvent[]): FeedBatch {
  const views = new Map<string, readonly LoggedEvent[]>();
  return {
    from,
    upTo,
    events,
    matching(filter) {
      const key = filterKey(filter);
      let view = views.get(key);
      if (view === undefined) {
        view = key === '' ? events : events.filter((event) => matchesFilter(filter, event.type, event.subject));
        views.set(key, view);
      }
      return view;
    },
  };
}

/** Receives a tenant's batches in order; must not throw. */
export type FeedSubscriber = (batch: FeedBatch) => void;

/** Shares one event reader per tenant between all the streams of that tenant. */
export interface TenantFeeds {
  /** Adds a subscriber; batches start with the first commit after the feed's start. Returns the leave function. */
  join(tenantId: string, subscriber: FeedSubscriber): () => void;
  /** How many subscribers all feeds have (for metrics and tests). */
  size(): number;
  close(): void;
}

interface Feed {
  subscribers: Set<FeedSubscriber>;
  /** Every event up to here was delivered; null until the start position is read. */
  position: number | null;
  /** The latest committed sequence told by the notifier. */
  target: number;
  reading: boolean;
  /** The pending flush, while commits are being coalesced. */
  flush: NodeJS.Timeout | null;
  unsubscribe: () => void;
}

const batchSize = 1000;

/**
 * Builds the feeds. Each tenant with subscribers has one notifier subscription and reads each committed range once,
 * however many streams follow it: with a thousand clients on a tenant, a commit costs one query, not a thousand.
 * With `flushMs` > 0 the commits of a window are read and handed out together, so a stream makes one socket write
 * per window instead of one per commit (a thousand commits a second to a thousand clients is otherwise a million
 * writes a second).
 */
export function createTenantFeeds(store: Store, notifier: ChangeNotifier, options: TenantFeedOptions = { flushMs: 0 }): TenantFeeds {
  const feeds = new Map<string, Feed>();

  async function pump(tenantId: string, feed: Feed): Promise<void> {
    if (feed.reading || feed.position === null) return;
    feed.reading = true;
    let failed = false;
    try {
      while (feeds.get(tenantId) === feed && feed.position < feed.target) {
        const from: number = feed.position;
        const target = feed.target;
        const events = await store.read({ tenantId }, (tx) => readEvents(tx, tenantId, from, target, everyEvent, batchSize));
        const upTo = events.length < batchSize ? target : (events[events.length - 1] as LoggedEvent).seq;
        feed.position = upTo;
        const batch = makeBatch(from, upTo, events);
        for (const subscriber of [...feed.subscribers]) subscriber(batch);
        // Commits that arrived during the read wait for the next window, unless this read was cut at the page size.
        if (options.flushMs > 0 && upTo === target) break;
      }
    } catch (error) {
      // The store is closing or unreachable: the next notification (or poll) retries from the same position.
      failed = true;
      process.emitWarning(`event feed of tenant ${tenantId} failed to read: ${(error as Error).message}`);
    } finally {
      feed.reading = false;
      const behind = feed.position !== null && feed.position < feed.target;
      if (options.flushMs > 0 && !failed && behind && feeds.get(tenantId) === feed) schedule(tenantId, feed);
    }
  }

  /** Delivers at once (flushMs 0) or at the end of the window that this commit opens; later commits ride along. */
  function schedule(tenantId: string, feed: Feed): void {
    if (options.flushMs === 0) return void pump(tenantId, feed);
    feed.flush ??= setTimeout(() => {
      feed.flush = null;
      void pump(tenantId, feed);
    }, options.flushMs);
  }

  function start(tenantId: string): Feed {
    const feed: Feed = { subscribers: new Set(), position: null, target: 0, reading: false, flush: null, unsubscribe: () => undefined };
    // Subscribe before reading the start position, so a commit between the two is not missed.
    const unsubscribe = notifier.subscribe(tenantId, (seq) => {
      if (seq > feed.target) feed.target = seq;
      schedule(tenantId, feed);
    });
    feed.unsubscribe = () => {
      if (feed.flush) clearTimeout(feed.flush);
      feed.flush = null;
      unsubscribe();
    };
    store.version(tenantId).then(
      (seq) => {
        feed.position = seq;
        if (feed.target < seq) feed.target = seq;
        void pump(tenantId, feed);
      },
      (error: unknown) => process.emitWarning(`event feed of tenant ${tenantId} cannot start: ${(error as Error).message}`),
    );
    return feed;
  }

  return {
    join(tenantId, subscriber) {
      let feed = feeds.get(tenantId);
      if (!feed) {
        feed = start(tenantId);
        feeds.set(tenantId, feed);
      }
      feed.subscribers.add(subscriber);
      const joined = feed;
      return () => {
        joined.subscribers.delete(subscriber);
        if (joined.subscribers.size === 0 && feeds.get(tenantId) === joined) {
          feeds.delete(tenantId);
          joined.unsubscribe();
        }
      };
    },
    size() {
      let total = 0;
      for (const feed of feeds.values()) total += feed.subscribers.size;
      return total;
    },
    close() {
      for (const feed of feeds.values()) feed.unsubscribe();
      feeds.clear();
    },
  };
}
