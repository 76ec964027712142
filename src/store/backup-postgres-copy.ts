/** @module COPY for the `pg` driver without pg-copy-streams: two small submittables speaking the copy sub-protocol. */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type pg from 'pg';

/** The slice of pg's internal connection the copy protocol needs. */
interface Connection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
  stream: Writable & { pause(): void; resume(): void };
}

/** Common parts of a submittable: pg calls these for every message of the active query. */
abstract class CopyQuery {
  callback: ((error: Error | null) => void) | undefined;
  protected error: Error | null = null;
  readonly done: Promise<void>;
  private settle!: (error: Error | null) => void;
  constructor(protected readonly text: string) {
    this.done = new Promise((resolve, reject) => {
      this.settle = (error) => (error ? reject(error) : resolve());
    });
  }
  submit(connection: Connection): void {
    connection.query(this.text);
  }
  /** pg drops the active query on an error, so no ReadyForQuery follows for it: settle now. */
  handleError(error: Error): void {
    this.error ??= error;
    this.settle(this.error);
  }
  handleReadyForQuery(): void {
    this.settle(this.error);
  }
  handleCommandComplete(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyInResponse(connection: Connection): void {
    connection.sendCopyFail('unexpected COPY FROM');
  }
  handleCopyData(_message: { chunk: Buffer }, _connection: Connection): void {}
}

class CopyOutQuery extends CopyQuery {
  constructor(
    text: string,
    private readonly onChunk: (chunk: Buffer) => Promise<void> | void,
  ) {
    super(text);
  }
  override handleCopyData(message: { chunk: Buffer }, connection: Connection): void {
    const pending = this.onChunk(message.chunk);
    if (pending) {
      // Back-pressure: stop reading the socket until the consumer has caught up.
      connection.stream.pause();
      pending.then(
        () => connection.stream.resume(),
        (error: Error) => {
          this.error ??= error;
          connection.stream.resume();
        },
      );
    }
  }
}

/**
 * Runs `COPY … TO STDOUT` on `client` and hands each chunk to `onChunk` (text format: one row per message). When
 * `onChunk` returns a promise the socket pauses until it settles; chunks already received may still arrive meanwhile,
 * so a consumer that writes asynchronously chains its writes.
 */
export async function copyOut(client: pg.PoolClient | pg.Client, sql: string, onChunk: (chunk: Buffer) => Promise<void> | void): Promise<void> {
  const query = new CopyOutQuery(sql, onChunk);
  void client.query(query as unknown as pg.QueryConfig);
  await query.done;
}

/** An open `COPY … FROM STDIN`: write chunks, then `end()` (or `fail()` to abort the copy and so the statement). */
export interface CopyIn {
  write(chunk: Buffer): Promise<void>;
  end(): Promise<void>;
  fail(reason: string): Promise<void>;
}

class CopyInQuery extends CopyQuery {
  connection: Connection | null = null;
  readonly ready: Promise<void>;
  private markReady!: () => void;
  constructor(text: string) {
    super(text);
    this.ready = new Promise((resolve) => {
      this.markReady = resolve;
    });
  }
  override handleCopyInResponse(connection: Connection): void {
    this.connection = connection;
    this.markReady();
  }
  override handleError(error: Error): void {
    super.handleError(error);
    this.markReady();
  }
}

/** Starts `COPY … FROM STDIN` on `client` (text format). */
export async function copyIn(client: pg.PoolClient | pg.Client, sql: string): Promise<CopyIn> {
  const query = new CopyInQuery(sql);
  void client.query(query as unknown as pg.QueryConfig);
  await Promise.race([query.ready, query.done]);
  const connection = query.connection;
  if (!connection) {
    await query.done;
    throw new Error('COPY FROM did not start');
  }
  return {
    async write(chunk) {
      connection.sendCopyFromChunk(chunk);
      if (connection.stream.writableNeedDrain) await once(connection.stream, 'drain');
    },
    async end() {
      connection.endCopyFrom();
      await query.done;
    },
    async fail(reason) {
      connection.sendCopyFail(reason);
      await query.done.catch(() => undefined);
    },
  };
}
