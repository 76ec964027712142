/** @module Tracing end to end: a local OTLP/HTTP receiver gets the real export requests; request spans carry route, method, status, tenant and request ID, store queries are their children (both drivers). */
import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { Entity } from '../src/graph/index.js';
import { type TestApp, bearer, createTestApp } from './support/app.js';
import { dialects } from './support/stores.js';

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: OtlpValue }[];
}
interface OtlpRequest {
  resourceSpans: { resource: { attributes: { key: string; value: OtlpValue }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
}

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((entry) => entry.key === key)?.value;
  return value?.stringValue ?? (value?.intValue === undefined ? undefined : Number(value.intValue));
};

for (const dialect of dialects) {
  describe(`OpenTelemetry tracing (${dialect})`, () => {
    let receiver: Server;
    const requests: { url: string; contentType: string; body: OtlpRequest }[] = [];
    let test: TestApp;
    before(async () => {
      receiver = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          requests.push({
            url: request.url ?? '',
            contentType: String(request.headers['content-type']),
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpRequest,
          });
          response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      const { port } = receiver.address() as { port: number };
      test = await createTestApp(dialect, { otlpEndpoint: `http://127.0.0.1:${port}/` });
    });
    after(async () => {
      await test.services.observability.tracing?.shutdown();
      await test.dispose();
      await new Promise((resolve) => receiver.close(resolve));
    });

    it('exports a server span per request with route, method, status, tenant and request ID, and store queries as its children', async () => {
      const created = await test.app.inject({ method: 'POST', url: '/entities', headers: bearer(test.adminKey), payload: { type: 'Person', name: 'Ada' } });
      assert.equal(created.statusCode, 201);
      const { id } = created.json<Entity>();
      const read = await test.app.inject({ url: `/entities/${id}`, headers: { ...bearer(test.adminKey), 'x-request-id': 'trace-me-1' } });
      assert.equal(read.statusCode, 200);
      const missing = await test.app.inject({ url: '/nowhere' });
      assert.equal(missing.statusCode, 404);
      await test.services.observability.tracing?.flush();

      assert.ok(requests.length > 0, 'the exporter sent at least one request');
      assert.ok(requests.every((request) => request.url === '/v1/traces'));
      assert.match(requests[0]?.contentType ?? '', /^application\/json/);
      const resource = requests[0]?.body.resourceSpans[0]?.resource.attributes ?? [];
      assert.equal(resource.find((entry) => entry.key === 'service.name')?.value.stringValue, 'trellis');
      const spans = requests.flatMap((request) => request.body.resourceSpans.flatMap((group) => group.scopeSpans.flatMap((scope) => scope.spans)));

      const server = spans.find((span) => attribute(span, 'trellis.request_id') === 'trace-me-1');
      assert.ok(server, 'the GET span is exported');
      assert.equal(server.name, 'GET /entities/:id');
      assert.equal(server.kind, 2, 'SPAN_KIND_SERVER');
      assert.equal(attribute(server, 'http.route'), '/entities/:id');
      assert.equal(attribute(server, 'http.request.method'), 'GET');
      assert.equal(attribute(server, 'http.response.status_code'), 200);
      assert.equal(attribute(server, 'trellis.tenant_id'), test.tenantId);
      assert.ok(!JSON.stringify(server).includes(id), 'the span names the route pattern, not the URL');

      const children = spans.filter((span) => span.parentSpanId === server.spanId);
      assert.ok(children.length >= 1, 'store queries of the handler are child spans');
      for (const child of children) {
        assert.match(child.name, /^db\.(all|get|run)$/);
        assert.equal(child.traceId, server.traceId);
        assert.equal(child.kind, 3, 'SPAN_KIND_CLIENT');
        assert.equal(attribute(child, 'db.system.name'), dialect === 'sqlite' ? 'sqlite' : 'postgresql');
        assert.match(String(attribute(child, 'db.query.text')), /SELECT/i);
      }
      const unmatched = spans.find((span) => span.name === 'GET (unmatched)');
      assert.equal(unmatched && attribute(unmatched, 'http.response.status_code'), 404);
    });
  });
}
