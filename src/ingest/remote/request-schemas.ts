/** @module Request and response schemas of `POST /ingest` and the upload form of `POST /sources` (TypeBox: validation, types and OpenAPI from one definition). */
import { Type } from 'typebox';

const mapping = Type.Union([Type.String({ maxLength: 1_000_000 }), Type.Record(Type.String(), Type.Unknown())], {
  description: 'Mapping for structured files (csv, xlsx, json, jsonl): YAML text, or the same as a JSON object (docs/ingestion.md)',
});
const schema = Type.String({ maxLength: 1_000_000, description: 'Extraction schema as YAML text; default: the built-in schema' });
const extractor = Type.Literal('builtin', { description: 'The extractor; only the built-in one over HTTP' });

export const IngestBody = Type.Object(
  {
    paths: Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), {
      minItems: 1,
      maxItems: 1000,
      description: 'Files, folders and globs (* ** ?) on the server, relative to ingestRoot or absolute under it',
    }),
    mapping: Type.Optional(mapping),
    schema: Type.Optional(schema),
    extractor: Type.Optional(extractor),
  },
  { additionalProperties: false },
);

/**
 * The upload form, for the OpenAPI document. It is not a validation schema for the body (a multipart body is read
 * as a stream by the handler, which checks every part), so it declares no `type` and accepts the unread body.
 */
export const UploadForm = {
  description:
    'One or more file parts (any field name; each needs a filename, kept only as a sanitised base name) and the optional text fields mapping and schema',
  properties: {
    file: { type: 'string', format: 'binary', description: 'A file to ingest; repeat the part for more' },
    mapping: { type: 'string', description: 'Mapping YAML for structured files' },
    schema: { type: 'string', description: 'Extraction schema YAML' },
  },
};

const jobFields = {
  jobId: Type.String({ description: 'The ingest job: GET /jobs/{jobId} for its status, progress and result' }),
  type: Type.String({ description: 'ingest.paths or ingest.uploads' }),
  status: Type.String({ description: 'queued' }),
};

export const IngestAcceptedSchema = Type.Object({ ...jobFields, paths: Type.Array(Type.String(), { description: 'The paths as resolved on the server' }) });

export const UploadAcceptedSchema = Type.Object({
  ...jobFields,
  files: Type.Array(
    Type.Object({
      name: Type.String({ description: 'The sanitised file name' }),
      uri: Type.String({ description: 'The source URI the file is ingested as: upload://<name>' }),
      bytes: Type.Integer(),
      contentHash: Type.String(),
    }),
  ),
});
