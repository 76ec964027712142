/**
 * @module The ingest module's HTTP surface: `POST /ingest` (server-side paths) and `POST /sources` (a source with its
 * chunks as JSON, or files to ingest as multipart/form-data). Ingestion runs as a job; both answer 202 with it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import { TrellisError } from '../core/errors.js';
import { SourceInputSchema, SourceWithChunksSchema } from '../graph/schemas.js';
import { maxPayloadBytes } from '../platform/jobs/index.js';
import { problemResponses } from '../server/responses.js';
import type { Services } from '../server/services.js';
import { ingestPathsJobType, ingestUploadsJobType } from './remote/ingest-job.js';
import { resolveIngestPaths } from './remote/ingest-root.js';
import { ingestJobOptions } from './remote/job-options.js';
import { receiveUploads } from './remote/receive-uploads.js';
import { IngestAcceptedSchema, IngestBody, UploadAcceptedSchema, UploadForm } from './remote/request-schemas.js';
import { createStaging, keepUploads, removeKeptFile, removeStaging, uploadUri } from './remote/upload-store.js';

/** A job payload over the queue's limit is refused before anything is enqueued, with what to do about it. */
function checkPayloadSize(payload: Record<string, unknown>, what: string): void {
  const bytes = Buffer.byteLength(JSON.stringify(payload));
  if (bytes > maxPayloadBytes) {
    throw new TrellisError('payload_too_large', `${what} take ${bytes} bytes as JSON; one ingest job carries at most ${maxPayloadBytes}: split the request`, {
      limit: maxPayloadBytes,
    });
  }
}

/** Answers 202 with the job and where to follow it. */
function accepted<T extends Record<string, unknown>>(reply: FastifyReply, jobId: string, type: string, extra: T) {
  return reply
    .code(202)
    .header('location', `/jobs/${jobId}`)
    .send({ jobId, type, status: 'queued', ...extra });
}

/** Registers the routes; call in a context where @fastify/multipart is registered (see src/server/app.ts). */
export function registerIngestRoutes(app: FastifyInstance, services: Services): void {
  const { config, graph, jobs } = services;

  app.post<{ Body: Static<typeof IngestBody> }>(
    '/ingest',
    {
      config: { access: 'write', rateLimit: 'expensive' },
      schema: {
        tags: ['ingest'],
        summary: 'Ingest files, folders and globs from the server (under ingestRoot) as a job',
        description:
          'Paths are resolved against ingestRoot and must lie under it after symlinks and ".." are resolved. Answers 202 with the job (ingest.paths); follow it at GET /jobs/{id} or through ingest.* events.',
        body: IngestBody,
        response: { 202: IngestAcceptedSchema, ...problemResponses(404, 413, 422) },
      },
    },
    async (request, reply) => {
      const paths = await resolveIngestPaths(config.ingestRoot, request.body.paths);
      const payload = { paths, ...ingestJobOptions(request.body) };
      checkPayloadSize(payload, 'The paths, mapping and schema');
      const { id } = await jobs.enqueueNow({ type: ingestPathsJobType, tenantId: request.auth.tenantId, payload });
      return accepted(reply, id, ingestPathsJobType, { paths });
    },
  );

  /** Receives the files of an upload, keeps them and enqueues their job; nothing is kept when the request fails. */
  async function upload(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const tenantId = request.auth.tenantId;
    const staging = await createStaging(config.dataDir, tenantId);
    let created: string[] = [];
    try {
      const received = await receiveUploads(request, staging, { maxBytes: config.ingestUploadMaxBytes, maxFieldBytes: config.bodyLimit });
      const options = ingestJobOptions(received.fields);
      const kept = await keepUploads(config.dataDir, tenantId, received.files);
      created = kept.created;
      const payload = { files: kept.kept, ...options };
      checkPayloadSize(payload, 'The uploaded file names, mapping and schema');
      const { id } = await jobs.enqueueNow({ type: ingestUploadsJobType, tenantId, payload });
      created = [];
      const files = received.files.map((file) => ({ name: file.name, uri: uploadUri(file.name), bytes: file.bytes, contentHash: `sha256:${file.hash}` }));
      return accepted(reply, id, ingestUploadsJobType, { files });
    } catch (error) {
      // The rest of a refused body is not read: close the connection instead of draining it.
      reply.header('connection', 'close');
      throw error;
    } finally {
      await removeStaging(staging);
      for (const file of created) removeKeptFile(file);
    }
  }

  app.post(
    '/sources',
    {
      bodyLimit: config.bulkBodyLimit,
      config: { access: 'write' },
      schema: {
        tags: ['sources'],
        summary: 'Register a source and its chunks (JSON), or upload files to ingest (multipart/form-data)',
        description:
          'application/json: the source and its chunks are stored as given (201). multipart/form-data: the files are kept and ingested by a job (ingest.uploads) as sources upload://<name>; answers 202 with the job.',
        body: { content: { 'application/json': { schema: SourceInputSchema }, 'multipart/form-data': { schema: UploadForm } } },
        response: { 201: SourceWithChunksSchema, 202: UploadAcceptedSchema, ...problemResponses(409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      if (request.isMultipart()) return upload(request, reply);
      if (request.mediaType !== 'application/json')
        throw new TrellisError('validation_failed', 'The body must be a JSON source (application/json) or files to upload (multipart/form-data)');
      const source = await graph.createSource(request.auth.tenantId, request.body as Static<typeof SourceInputSchema>);
      return reply.code(201).header('location', `/sources/${source.id}`).send(source);
    },
  );
}
