/**
 * @module Reading structured ingestion's results over HTTP on both drivers: datasets, their rows with provenance (keyset
 * pages), and a source's quarantine; bad input and other tenants' names and IDs.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ErrorCode } from '../src/core/errors.js';
import { type Answer, type IngestHttpApp, startIngestHttpApp } from './support/ingest-http.js';
import { dialects } from './support/stores.js';

function assertProblem(answer: Answer, status: number, code: ErrorCode): void {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.match(answer.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal(answer.body.code, code, JSON.stringify(answer.body));
}

const mapping = `files:
  - pattern: staff.csv
    dataset: staff
    columns:
      id: { type: string, required: true }
      name: { type: string, required: true }
      age: integer
    key: id
    entities:
      - { type: Person, name: name }
`;
// Five good rows (one name an injection string, stored literally), a row without its name, a row with a bad age.
const staff = [
  'id,name,age',
  'E-1,Alice Johnson,41',
  'E-2,Peter Pike,38',
  "E-3,Robert'); DROP TABLE dataset_rows;--,29",
  'E-4,Nora Quill,52',
  'E-5,Omar Haddad,33',
  'E-6,,40',
  'E-7,Zoe Park,forty',
].join('\n');

interface Row {
  key: string;
  row: number;
  sourceId: string;
  values: Record<string, unknown>;
}

for (const dialect of dialects) {
  describe(`datasets and quarantine over HTTP (${dialect})`, () => {
    let app: IngestHttpApp;
    let otherKey: string;
    let sourceId: string;
    const admin = () => app.test.adminKey;

    before(async () => {
      app = await startIngestHttpApp(dialect);
      otherKey = (await app.test.services.platform.tenants.createWithAdminKey({ slug: 'globex', name: 'Globex' })).key;
      writeFileSync(path.join(app.root, 'staff.csv'), `${staff}\n`);
      const accepted = await app.call('POST', '/ingest', admin(), { paths: [path.join(app.root, 'staff.csv')], mapping });
      assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
      const job = await app.waitForJob(String(accepted.body.jobId));
      assert.equal(job.status, 'succeeded', JSON.stringify(job));
      const sources = await app.call('GET', '/sources', admin());
      sourceId = (sources.body.items as { id: string }[])[0]!.id;
    });
    after(() => app.dispose());

    it('lists datasets with their definition and row count, and reads one by name', async () => {
      const list = await app.call('GET', '/datasets', admin());
      assert.equal(list.status, 200);
      const [dataset] = list.body.items as { name: string; rowCount: number; sourceId: string; definition: { key: string[] } }[];
      assert.equal(dataset?.name, 'staff');
      assert.equal(dataset?.rowCount, 5);
      assert.equal(dataset?.sourceId, sourceId);
      assert.deepEqual(dataset?.definition.key, ['id']);
      const one = await app.call('GET', '/datasets/staff', admin());
      assert.equal(one.status, 200);
      assert.equal(one.body.rowCount, 5);
    });

    it('pages through rows in key order, each with its source and row number; injection strings stay literal', async () => {
      const seen: Row[] = [];
      let cursor: string | null = null;
      do {
        const page: Answer = await app.call('GET', `/datasets/staff/rows?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, admin());
        assert.equal(page.status, 200, JSON.stringify(page.body));
        seen.push(...(page.body.items as Row[]));
        cursor = page.body.nextCursor as string | null;
      } while (cursor);
      assert.deepEqual(
        seen.map((row) => row.key),
        ['E-1', 'E-2', 'E-3', 'E-4', 'E-5'],
      );
      assert.ok(seen.every((row) => row.sourceId === sourceId));
      assert.equal(seen[0]?.row, 2, 'the first data row is line 2 of the file');
      assert.equal(seen[2]?.values.name, "Robert'); DROP TABLE dataset_rows;--");
      assert.equal(seen[0]?.values.age, 41, 'values are stored typed');
    });

    it("lists a source's quarantine with file, row, column and reason", async () => {
      const answer = await app.call('GET', `/sources/${sourceId}/quarantine`, admin());
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const entries = answer.body.items as { file: string; row: number; column: string | null; reason: string; values: Record<string, unknown> }[];
      assert.deepEqual(
        entries.map((entry) => [entry.file, entry.row, entry.column, entry.reason]),
        [
          ['staff.csv', 7, 'name', 'missing value: "name" is required'],
          ['staff.csv', 8, 'age', 'invalid value: "forty" is not an integer (column "age" is integer)'],
        ],
      );
      assert.equal(entries[1]?.values.age, 'forty', 'the raw value is kept');
    });

    it('answers unknown names, bad queries, other tenants and missing keys with problems', async () => {
      assertProblem(await app.call('GET', '/datasets/nope', admin()), 404, 'not_found');
      assertProblem(await app.call('GET', '/datasets/nope/rows', admin()), 404, 'not_found');
      assertProblem(await app.call('GET', '/datasets/staff/rows?limit=0', admin()), 400, 'validation_failed');
      assertProblem(await app.call('GET', '/datasets/staff/rows?limit=abc', admin()), 400, 'validation_failed');
      assertProblem(await app.call('GET', '/sources/not-an-id/quarantine', admin()), 400, 'validation_failed');
      // Another tenant sees none of it.
      assert.deepEqual((await app.call('GET', '/datasets', otherKey)).body.items, []);
      assertProblem(await app.call('GET', '/datasets/staff', otherKey), 404, 'not_found');
      assertProblem(await app.call('GET', '/datasets/staff/rows', otherKey), 404, 'not_found');
      assertProblem(await app.call('GET', `/sources/${sourceId}/quarantine`, otherKey), 404, 'not_found');
      assert.equal((await app.call('GET', '/datasets', undefined)).status, 401);
      // A cursor past every key, or an odd one, is an empty page, not an error.
      const past = await app.call('GET', `/datasets/staff/rows?cursor=${encodeURIComponent("zzz' OR 1=1 --")}`, admin());
      assert.equal(past.status, 200);
      assert.deepEqual(past.body.items, []);
    });
  });
}
