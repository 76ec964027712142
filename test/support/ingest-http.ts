/** @module Test helper for ingestion over HTTP: a listening app with its job worker, an ingest root and a data folder, hand-built multipart bodies, and job polling. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TrellisConfig } from '../../src/core/config.js';
import type { Job } from '../../src/platform/jobs/index.js';
import type { Dialect } from '../../src/store/index.js';
import { type TestApp, bearer, createTestApp } from './app.js';

/** What an answer held. */
export interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

/** One part of a multipart body; a part with `filename` is a file. */
export interface Part {
  name: string;
  filename?: string;
  content: string | Buffer;
  contentType?: string;
}

/** A listening test app with the job worker running, an ingest root and a data folder of its own. */
export interface IngestHttpApp {
  test: TestApp;
  base: string;
  root: string;
  dataDir: string;
  call(method: string, url: string, key: string | undefined, payload?: unknown): Promise<Answer>;
  send(url: string, key: string | undefined, body: Buffer | string, contentType: string): Promise<Answer>;
  upload(parts: readonly Part[], key?: string): Promise<Answer>;
  waitForJob(id: string, key?: string): Promise<Job>;
  dispose(): Promise<void>;
}

/**
 * Builds a multipart/form-data body by hand, so that tests control every byte of a part's headers (hostile file
 * names, NUL characters) as an attacker could.
 */
export function multipartBody(parts: readonly Part[]): { body: Buffer; contentType: string } {
  const boundary = `----trellis-test-${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename === undefined ? '' : `; filename="${part.filename}"`}`;
    const type = part.contentType ?? (part.filename === undefined ? undefined : 'application/octet-stream');
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type ? `Content-Type: ${type}\r\n` : ''}\r\n`, 'utf8'));
    chunks.push(typeof part.content === 'string' ? Buffer.from(part.content, 'utf8') : part.content);
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Every file below a folder (relative paths, sorted); an absent folder has none. */
export function filesBelow(folder: string): string[] {
  try {
    return (readdirSync(folder, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(folder, path.join(entry.parentPath, entry.name)))
      .sort();
  } catch {
    return [];
  }
}

async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: response.headers };
}

/** Starts an app over a fresh store of the dialect, listening on loopback, with its background work running. */
export async function startIngestHttpApp(dialect: Dialect, overrides: Partial<TrellisConfig> = {}): Promise<IngestHttpApp> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'trellis-ingest-root-'));
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'trellis-ingest-data-'));
  const test = await createTestApp(dialect, { jobsPollIntervalMs: 20, ingestRoot: root, dataDir, ...overrides }, { background: true });
  await test.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(test.app.server.address() as AddressInfo).port}`;
  const headers = (key: string | undefined) => (key ? bearer(key) : {});
  const send = async (url: string, key: string | undefined, body: Buffer | string, contentType: string) =>
    answer(await fetch(base + url, { method: 'POST', headers: { ...headers(key), 'content-type': contentType }, body }));
  const call = async (method: string, url: string, key: string | undefined, payload?: unknown) =>
    answer(
      await fetch(base + url, {
        method,
        headers: { ...headers(key), ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
        body: payload === undefined ? undefined : JSON.stringify(payload),
      }),
    );
  return {
    test,
    base,
    root,
    dataDir,
    call,
    send,
    upload(parts, key = test.adminKey) {
      const { body, contentType } = multipartBody(parts);
      return send('/sources', key, body, contentType);
    },
    async waitForJob(id, key = test.adminKey) {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const job = (await call('GET', `/jobs/${id}`, key)).body as unknown as Job;
        if (['succeeded', 'dead', 'cancelled'].includes(job.status)) return job;
        if (Date.now() > deadline) assert.fail(`job ${id} stayed ${job.status}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async dispose() {
      await test.dispose();
      rmSync(root, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
