/** @module A started server creates Trellis's default platform schedules (job and webhook-log pruning) once, on both drivers. */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { createTestApp } from './support/app.js';
import { dialects } from './support/stores.js';

for (const dialect of dialects) {
  describe(`default schedules (${dialect})`, () => {
    it('creates jobs-prune and webhooks-prune when the background work starts, each once', async () => {
      const test = await createTestApp(dialect, {}, { background: true });
      try {
        let names: string[] = [];
        for (let attempt = 0; attempt < 100 && names.length < 2; attempt++) {
          names = (await test.services.jobs.schedules.list(null)).items.map((schedule) => schedule.name).sort();
          if (names.length < 2) await sleep(20);
        }
        assert.deepEqual(names, ['jobs-prune', 'webhooks-prune']);
        const schedules = (await test.services.jobs.schedules.list(null)).items;
        assert.deepEqual(schedules.map((schedule) => schedule.type).sort(), ['jobs.prune', 'webhooks.prune']);
        assert.ok(schedules.every((schedule) => schedule.tenantId === null && !schedule.paused));
      } finally {
        await test.dispose();
      }
    });
  });
}
