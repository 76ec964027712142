/** @module The event log as a product: its public door (reading, the change notifier, live-stream plumbing, retention). */
import type { TrellisConfig } from '../../core/config.js';
import type { Store } from '../../store/index.js';
import { type CursorCheck, type LoggedEvent, checkCursor, readEvents } from './event-log.js';
import type { EventFilter } from './filters.js';
import { type ChangeNotifier, createChangeNotifier } from './notifier.js';
import { type RetentionHold, type RetentionReport, applyRetention } from './retention.js';
import { type StreamTokens, createStreamTokens } from './stream-tokens.js';
import { type TenantFeeds, createTenantFeeds } from './tenant-feed.js';

export type { ChangeListener, ChangeNotifier } from './notifier.js';
export type { CursorCheck, LoggedEvent } from './event-log.js';
export { type EventFilter, everyEvent, matchesFilter, parseEventFilter } from './filters.js';
export type { RetentionHold, RetentionReport } from './retention.js';
export type { StreamTokens } from './stream-tokens.js';

/** A page of the event log. */
export interface EventPage {
  items: LoggedEvent[];
  /** Pass as `after` for the next page; null when this page reached the latest event. */
  nextAfter: number | null;
  /** The tenant's latest committed sequence when the page was read. */
  latestSeq: number;
  /** Set when events right after `after` were deleted by retention: the oldest retained sequence. */
  cursorExpired: number | null;
}

/** Work run in the background while a server is up (a `BackgroundWork` of `src/server/services.ts`). */
export interface EventBackgroundWork {
  readonly name: string;
  start(): void;
  stop(): Promise<void>;
}

/** The event log's service API (`services.events`). */
export interface EventService {
  /**
   * Wakes followers when a tenant commits events, in this process and across processes and replicas.
   * Webhook dispatch and live streams subscribe here; see {@link ChangeNotifier.subscribe}.
   */
  notifier: ChangeNotifier;
  /** One shared event reader per followed tenant, for the live streams. */
  feeds: TenantFeeds;
  /** Short-lived credentials for the stream routes (`?token=`). */
  streamTokens: StreamTokens;
  /** A page of the tenant's events after `after`, filtered, oldest first. */
  list(tenantId: string, query: { after: number; filter: EventFilter; limit: number }): Promise<EventPage>;
  /** Where a cursor stands against the log (latest sequence, and whether retention deleted events after it). */
  checkCursor(tenantId: string, after: number): Promise<CursorCheck>;
  /** Applies retention to every tenant once (the background work runs it on an interval). */
  applyRetention(now?: Date): Promise<RetentionReport>;
  /** Registers a consumer's claim: retention keeps every event from the sequence the hold names (see {@link RetentionHold}). */
  holdRetention(hold: RetentionHold): void;
  /** Retention on a timer, and on stop the end of every open stream; part of `services.background`. */
  background: EventBackgroundWork;
  /** Closes every open stream (server shutdown); streams register here. */
  readonly openStreams: Set<() => void>;
}

/**
 * Builds the event service over a migrated store.
 * @example
 * const events = createEventService(store, config);
 * const unsubscribe = events.notifier.subscribe(tenantId, (seq) => console.log('tenant moved to', seq));
 */
export function createEventService(store: Store, config: TrellisConfig): EventService {
  const notifier = createChangeNotifier(store, { pollMs: config.eventPollMs });
  const limits = { maxAgeDays: config.eventRetentionDays, maxEvents: config.eventRetentionMaxEvents };
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  const openStreams = new Set<() => void>();
  const holds: RetentionHold[] = [];

  const service: EventService = {
    notifier,
    feeds: createTenantFeeds(store, notifier, { flushMs: config.eventStreamFlushMs }),
    streamTokens: createStreamTokens(store, config.eventStreamTokenTtl),
    async list(tenantId, { after, filter, limit }) {
      const cursor = await checkCursor(store, tenantId, after);
      const items = await store.read({ tenantId }, (tx) => readEvents(tx, tenantId, after, cursor.latest, filter, limit + 1));
      const more = items.length > limit;
      if (more) items.length = limit;
      return { items, nextAfter: more ? (items[items.length - 1] as LoggedEvent).seq : null, latestSeq: cursor.latest, cursorExpired: cursor.expiredFloor };
    },
    checkCursor: (tenantId, after) => checkCursor(store, tenantId, after),
    applyRetention: (now) => applyRetention(store, limits, now, holds),
    holdRetention: (hold) => {
      holds.push(hold);
    },
    background: {
      name: 'events',
      // A timer for now; it can move onto the job scheduler's cron schedules once those exist.
      start() {
        const tick = () => {
          running ??= applyRetention(store, limits, new Date(), holds)
            .catch((error: unknown) => process.emitWarning(`event retention failed: ${(error as Error).message}`))
            .finally(() => {
              running = null;
            });
        };
        timer = setInterval(tick, config.eventRetentionIntervalMs);
        timer.unref();
        tick();
      },
      async stop() {
        if (timer) clearInterval(timer);
        timer = null;
        for (const close of [...openStreams]) close();
        await running;
        service.feeds.close();
        notifier.close();
      },
    },
    openStreams,
  };
  return service;
}
