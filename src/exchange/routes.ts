/**
 * @module The exchange module's HTTP surface: `GET /export` streams an export (any format, with backpressure) and
 * `POST /import` takes a JSONL or GraphML file as the raw request body, checks it whole, and imports it — within the
 * request when it is small, else as an `exchange.import` job.
 */
import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import { TrellisError } from '../core/errors.js';
import { problemResponses } from '../server/responses.js';
import type { Services } from '../server/services.js';
import { openExport } from './export-stream.js';
import { contentDisposition, contentTypeOf, defaultBase, exportFormats, fileNameOf, importFormats, maxCitations, parseSubject } from './formats.js';
import { receiveImport, removeImport } from './import-files.js';
import type { ReadOptions } from './import-items.js';
import { importJobType } from './import-job.js';
import { checkImport, writeImport } from './import-run.js';

/** Uploads up to this size are imported within the request (201); larger ones by a job (202). */
export const inlineImportMaxBytes = 4 * 1024 * 1024;

const typeName = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_.-]{0,63}$' });

const ExportQuery = Type.Object(
  {
    format: Type.Union(
      exportFormats.map((format) => Type.Literal(format)),
      { description: 'csv, jsonl, graphml, gexf, cypher, neo4j-csv or ntriples' },
    ),
    what: Type.String({ minLength: 1, maxLength: 208, default: 'graph', description: 'entities, relations, graph, or dataset:<name>' }),
    citations: Type.Integer({
      minimum: 0,
      maximum: maxCitations,
      default: 0,
      description: 'Citations per fact to include (source URI, chunk, span, passage); 0 leaves them out',
    }),
    safeCsv: Type.Boolean({ default: false, description: "CSV for spreadsheets: text cells starting with = + - @ tab or CR get a leading ', and a UTF-8 BOM" }),
    base: Type.String({ minLength: 1, maxLength: 500, default: defaultBase, description: 'N-Triples: the IRI minted IRIs start with' }),
  },
  { additionalProperties: false },
);

const ImportQuery = Type.Object(
  {
    format: Type.Union(importFormats.map((format) => Type.Literal(format))),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\u0000-\\u001f\\u007f]+$', description: 'The file name: the source title' })),
    defaultEntityType: Type.Optional(typeName),
    defaultRelationType: Type.Optional(typeName),
  },
  { additionalProperties: false },
);

const Counts = Type.Object({ read: Type.Integer(), created: Type.Integer(), updated: Type.Integer() });
const ImportSummarySchema = Type.Object({
  status: Type.Union([Type.Literal('imported'), Type.Literal('unchanged')]),
  sourceId: Type.String(),
  uri: Type.String(),
  bytes: Type.Integer(),
  entities: Counts,
  relations: Counts,
  seconds: Type.Number(),
});
const ImportAcceptedSchema = Type.Object({
  jobId: Type.String(),
  type: Type.String(),
  status: Type.Literal('queued'),
  bytes: Type.Integer(),
  entities: Type.Integer({ description: 'Entities the checked file holds' }),
  relations: Type.Integer({ description: 'Relations the checked file holds' }),
});

const exportContent = Object.fromEntries(
  exportFormats.map((format) => [contentTypeOf(format).split(';')[0] as string, { schema: { type: 'string', description: `${format} export` } }]),
);

/** Registers `GET /export` and `POST /import` in a context of their own (the import route reads its body as a raw stream). */
export async function registerExchangeRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { config, jobs } = services;
  await app.register(async (scope) => {
    // POST /import streams its body to a file itself: no parser may buffer it, whatever its content type.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));

    scope.get<{ Querystring: Static<typeof ExportQuery> }>(
      '/export',
      {
        config: { access: 'read', rateLimit: 'expensive' },
        schema: {
          tags: ['exchange'],
          summary: 'Export the graph, its entities or relations, or a dataset, streamed',
          description:
            'Streams with bounded memory: the export is read in keyset pages from one snapshot of the store (in a worker thread) and written only as fast as the client reads. neo4j-csv is one file per request: what=entities gives nodes.csv, what=relations relationships.csv.',
          querystring: ExportQuery,
          response: { 200: { description: 'The export file', content: exportContent }, ...problemResponses(404) },
        },
      },
      async (request, reply) => {
        const query = request.query;
        const exportRequest = { format: query.format, what: parseSubject(query.what), citations: query.citations, safeCsv: query.safeCsv, base: query.base };
        const stream = await openExport(services, request.auth.tenantId, exportRequest);
        return reply
          .type(contentTypeOf(query.format))
          .header('content-disposition', contentDisposition(fileNameOf(exportRequest)))
          .send(stream);
      },
    );

    scope.post<{ Querystring: Static<typeof ImportQuery> }>(
      '/import',
      {
        config: { access: 'write', rateLimit: 'expensive' },
        schema: {
          tags: ['exchange'],
          summary: 'Import a JSONL or GraphML file (the raw request body), all or nothing',
          description: `The whole file is checked first; any problem answers 422 with every problem's line (up to 100) and nothing is written. A file of up to ${inlineImportMaxBytes} bytes is imported within the request (201, the summary); a larger one by an ${importJobType} job (202, follow it at GET /jobs/{id}). Bodies over ingestUploadMaxBytes are refused (413).`,
          querystring: ImportQuery,
          response: { 201: ImportSummarySchema, 202: ImportAcceptedSchema, ...problemResponses(413, 415, 422) },
        },
      },
      async (request, reply) => {
        const { format, name = `import.${format}`, defaultEntityType, defaultRelationType } = request.query;
        const tenantId = request.auth.tenantId;
        if (request.headers['content-type']?.toLowerCase().startsWith('multipart/')) {
          reply.header('connection', 'close');
          throw new TrellisError(
            'unsupported_media_type',
            'Send the file itself as the request body (e.g. curl --data-binary @graph.jsonl), not a multipart form',
          );
        }
        const declared = Number(request.headers['content-length'] ?? Number.NaN);
        if (declared > config.ingestUploadMaxBytes) {
          reply.header('connection', 'close');
          throw new TrellisError('payload_too_large', `The import is larger than ingestUploadMaxBytes (${config.ingestUploadMaxBytes} bytes)`, {
            limit: config.ingestUploadMaxBytes,
          });
        }
        let received;
        try {
          received = await receiveImport(request.raw, config.dataDir, tenantId, format, config.ingestUploadMaxBytes);
        } catch (error) {
          // The rest of a refused body is not read: close the connection instead of draining it.
          reply.header('connection', 'close');
          throw error;
        }
        let queued = false;
        try {
          if (received.bytes === 0) throw new TrellisError('bad_request', 'The body is empty: send the file to import as the request body');
          const options: ReadOptions = {};
          if (defaultEntityType !== undefined) options.defaultEntityType = defaultEntityType;
          if (defaultRelationType !== undefined) options.defaultRelationType = defaultRelationType;
          const input = { file: received.file, name, format, options };
          const validation = await checkImport(services, tenantId, input);
          if (received.bytes <= inlineImportMaxBytes) return reply.code(201).send(await writeImport(services, tenantId, input, validation));
          const { id } = await jobs.enqueueNow({ type: importJobType, tenantId, payload: { file: received.relative, name, format, ...options } });
          queued = true;
          return reply
            .code(202)
            .header('location', `/jobs/${id}`)
            .send({ jobId: id, type: importJobType, status: 'queued', bytes: received.bytes, entities: validation.entities, relations: validation.relations });
        } finally {
          if (!queued) await removeImport(received.file);
        }
      },
    );
  });
}
