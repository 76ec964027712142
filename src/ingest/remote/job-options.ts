/** @module The mapping, schema and extractor of an ingest request: checked when the request arrives, carried as text in the job, parsed again where it runs. */
import { stringify } from 'yaml';
import { TrellisError } from '../../core/errors.js';
import { type MappingConfig, parseMapping } from '../mapping/index.js';
import { type ExtractionSchema, parseSchema } from '../schema.js';

/** The options as a job carries them: YAML texts, so the payload stays plain JSON. */
export interface IngestJobOptions {
  mapping?: string;
  schema?: string;
  extractor: 'builtin';
}

/** What the pipeline takes, parsed from {@link IngestJobOptions}. */
export interface ParsedIngestOptions {
  mapping?: MappingConfig;
  schema?: ExtractionSchema;
}

/** Names the texts carry in error messages (`mapping:3: files[0].dataset: …`). */
const mappingName = 'mapping';
const schemaName = 'schema';

/** Parses the texts; a bad mapping is `unprocessable`, a bad schema `schema_invalid`, each with line numbers. */
export function parseIngestOptions(options: Omit<IngestJobOptions, 'extractor'>): ParsedIngestOptions {
  return {
    ...(options.mapping === undefined ? {} : { mapping: parseMapping(options.mapping, mappingName) }),
    ...(options.schema === undefined ? {} : { schema: parseSchema(options.schema, schemaName) }),
  };
}

/**
 * Checks the options of a request (JSON body or upload fields) and answers them as the job will carry them: a mapping
 * given as an object becomes YAML text. Wrong types are `validation_failed`; a mapping or schema that does not parse
 * is refused here, before any job exists.
 * @example
 * const options = ingestJobOptions({ mapping: { files: [...] }, schema: 'version: 1\nentities: …' });
 */
export function ingestJobOptions(input: { mapping?: unknown; schema?: unknown; extractor?: unknown }): IngestJobOptions {
  const { mapping, schema, extractor } = input;
  if (extractor !== undefined && extractor !== 'builtin')
    throw new TrellisError('validation_failed', `extractor must be "builtin"; got ${JSON.stringify(extractor)}`, { field: 'extractor' });
  const isObject = typeof mapping === 'object' && mapping !== null && !Array.isArray(mapping);
  if (mapping !== undefined && typeof mapping !== 'string' && !isObject)
    throw new TrellisError('validation_failed', 'mapping must be YAML text or an object', { field: 'mapping' });
  if (schema !== undefined && typeof schema !== 'string') throw new TrellisError('validation_failed', 'schema must be YAML text', { field: 'schema' });
  const options: IngestJobOptions = {
    extractor: 'builtin',
    ...(mapping === undefined ? {} : { mapping: typeof mapping === 'string' ? mapping : stringify(mapping) }),
    ...(schema === undefined ? {} : { schema }),
  };
  parseIngestOptions(options);
  return options;
}
