/**
 * The server side of bench/overhead.ts, in its own process: `node --import tsx bench/overhead-server.ts full|bare`.
 * Both build the real Trellis app (buildApp) over the store in BENCH_DATA_DIR and add GET /bench/ping answering
 * {"ok":true}; they differ only in that route's config:
 * - full: `access: 'read'` — API-key authentication, the rate-limit hook (key and tenant policies) and request metrics;
 * - bare: `access: 'public', rateLimit: false, metrics: false` — none of the three.
 * Reports `{ url }` over IPC; stops on "stop".
 */
import type { FastifyContextConfig } from 'fastify';
import { loadConfig } from '../src/core/config.js';
import { buildApp } from '../src/server/app.js';
import { createServices } from '../src/server/services.js';
import { openStore } from '../src/store/index.js';

const role = process.argv[2];
if (role !== 'full' && role !== 'bare') throw new Error(`usage: overhead-server.ts full|bare, not ${role}`);
const config = loadConfig();
const store = openStore(config);
const services = createServices(config, store);
const app = await buildApp(services);
// Background work (job worker, webhook dispatch) is not started: it would only add noise to both.
const routeConfig: FastifyContextConfig = role === 'full' ? { access: 'read' } : { access: 'public', rateLimit: false, metrics: false };
app.get('/bench/ping', { config: routeConfig }, async () => ({ ok: true }));
const url = await app.listen({ host: '127.0.0.1', port: 0 });

process.on('message', (message) => {
  if (message !== 'stop') return;
  (async () => {
    await app.close();
    await services.limits.close();
    await store.close();
  })().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
process.send?.({ url });
