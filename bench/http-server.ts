/**
 * The server side of bench/http.ts, run in its own process: `node --import tsx bench/http-server.ts bare|trellis`.
 * - bare: Fastify 5 with no plugins and one route, GET /entities/:id, answering the constant JSON body in the
 *   file named by BENCH_HTTP_BODY (a real entity-with-evidence answer captured from Trellis, so sizes match).
 * - trellis: startServer() with the configuration from TRELLIS_* variables, as `trellis serve` would run it.
 * Reports `{ url }` to the parent over IPC; stops cleanly on the message "stop" (so that --cpu-prof is written).
 */
import { readFileSync } from 'node:fs';

const role = process.argv[2];
let url: string;
let close: () => Promise<void>;

if (role === 'bare') {
  const { default: Fastify } = await import('fastify');
  const body = JSON.parse(readFileSync(process.env.BENCH_HTTP_BODY as string, 'utf8')) as unknown;
  const app = Fastify();
  app.get('/entities/:id', async () => body);
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  close = () => app.close();
} else if (role === 'trellis') {
  const { loadConfig } = await import('../src/core/config.js');
  const { startServer } = await import('../src/server/start.js');
  const server = await startServer(loadConfig());
  url = server.url;
  close = () => server.stop();
} else {
  throw new Error(`usage: http-server.ts bare|trellis, not ${role}`);
}

process.on('message', (message) => {
  if (message !== 'stop') return;
  close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
process.send?.({ url });
