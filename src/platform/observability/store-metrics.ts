/** @module A timing decorator over the Store: query and transaction latency by dialect and operation, committed events, and trace spans. */
import type { AsyncLocalStorage } from 'node:async_hooks';
import { ROOT_CONTEXT, type Span, SpanKind, type Tracer, trace } from '@opentelemetry/api';
import type { Histogram } from 'prom-client';
import type { Dialect, Queryable, Scope, SqlValue, Store, Tx } from '../../store/index.js';
import { eventsAppended, storeDuration } from './metrics-registry.js';

type Operation = 'all' | 'get' | 'run';

/** Where child spans for queries come from; null when tracing is off. */
export interface QueryTracing {
  tracer: Tracer;
  /** The request span in whose handler a query runs. */
  requestSpan: AsyncLocalStorage<Span>;
}

interface Timers {
  dialect: Dialect;
  all: Histogram.Internal<'dialect' | 'operation'>;
  get: Histogram.Internal<'dialect' | 'operation'>;
  run: Histogram.Internal<'dialect' | 'operation'>;
  tracing: QueryTracing | null;
}

const eventInsert = 'INSERT INTO events ';

/**
 * The transaction a callback sees: every query timed, everything else passed through (including the driver's
 * `db` or `client`, which hot loops use directly and which are therefore not timed per statement; the enclosing
 * read or transaction still is).
 */
class TimedTx implements Queryable {
  private events = 0;

  constructor(
    private readonly inner: Tx,
    private readonly timers: Timers,
  ) {}

  get dialect(): Dialect {
    return this.inner.dialect;
  }
  get tenantId(): string | null {
    return this.inner.tenantId;
  }
  get db(): unknown {
    return (this.inner as { db?: unknown }).db;
  }
  get client(): unknown {
    return (this.inner as { client?: unknown }).client;
  }

  afterCommit(callback: () => void): void {
    this.inner.afterCommit(callback);
  }

  noteEvents(lastSeq: number): void {
    this.inner.noteEvents(lastSeq);
  }

  all<Row = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<Row[]> {
    const started = performance.now();
    const span = this.span('all', sql);
    return this.timed('all', this.inner.all<Row>(sql, params), started, span);
  }

  get<Row = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<Row | undefined> {
    const started = performance.now();
    const span = this.span('get', sql);
    return this.timed('get', this.inner.get<Row>(sql, params), started, span);
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    if (sql.startsWith(eventInsert)) this.countEvent();
    const started = performance.now();
    const span = this.span('run', sql);
    return this.timed('run', this.inner.run(sql, params), started, span);
  }

  private countEvent(): void {
    if (this.events++ === 0) this.inner.afterCommit(() => eventsAppended.inc(this.events));
  }

  private span(operation: Operation, sql: string): Span | undefined {
    const tracing = this.timers.tracing;
    if (tracing === null) return undefined;
    const parent = tracing.requestSpan.getStore();
    if (parent === undefined) return undefined;
    return tracing.tracer.startSpan(
      `db.${operation}`,
      {
        kind: SpanKind.CLIENT,
        attributes: { 'db.system.name': this.timers.dialect === 'sqlite' ? 'sqlite' : 'postgresql', 'db.query.text': sql.slice(0, 1000) },
      },
      trace.setSpan(ROOT_CONTEXT, parent),
    );
  }

  private async timed<T>(operation: Operation, result: Promise<T>, started: number, span: Span | undefined): Promise<T> {
    try {
      return await result;
    } finally {
      this.timers[operation].observe((performance.now() - started) / 1000);
      span?.end();
    }
  }
}

/**
 * Wraps a store so that every query and every read or write transaction is timed into
 * `trellis_store_operation_duration_seconds{dialect,operation}`, committed events are counted, and — with tracing —
 * each query inside a traced request becomes a child span. Every other member is the store's own (the wrapper's
 * prototype is the store), so methods added to Store later pass through untouched.
 * @example
 * const store = instrumentStore(openStore(config), null);
 */
export function instrumentStore(store: Store, tracing: QueryTracing | null): Store {
  const dialect = store.dialect;
  const timers: Timers = {
    dialect,
    all: storeDuration.labels(dialect, 'all'),
    get: storeDuration.labels(dialect, 'get'),
    run: storeDuration.labels(dialect, 'run'),
    tracing,
  };
  const readTimer = storeDuration.labels(dialect, 'read');
  const transactionTimer = storeDuration.labels(dialect, 'transaction');
  const wrapped = Object.create(store) as Store;
  Object.defineProperties(wrapped, {
    read: {
      value: async function read<T>(scope: Scope, fn: (tx: Tx) => Promise<T>): Promise<T> {
        const started = performance.now();
        try {
          return await store.read(scope, (tx) => fn(new TimedTx(tx, timers) as unknown as Tx));
        } finally {
          readTimer.observe((performance.now() - started) / 1000);
        }
      },
    },
    transaction: {
      value: async function transaction<T>(scope: Scope, fn: (tx: Tx) => Promise<T>): Promise<T> {
        const started = performance.now();
        try {
          return await store.transaction(scope, (tx) => fn(new TimedTx(tx, timers) as unknown as Tx));
        } finally {
          transactionTimer.observe((performance.now() - started) / 1000);
        }
      },
    },
  });
  return wrapped;
}
