/** @module The part of the extraction schema the LLM extractor needs (entity and relation types with descriptions). */

/** An entity type the model may report. */
export interface LlmEntityType {
  name: string;
  description?: string;
}

/** A relation type the model may report; `from`/`to` restrict the entity types at its ends when given. */
export interface LlmRelationType {
  name: string;
  description?: string;
  from?: readonly string[];
  to?: readonly string[];
}

/**
 * The minimal shape of an extraction schema the LLM extractor reads. The full schema (patterns, gazetteers) is
 * loaded by the ingest schema loader; any object with these two lists fits.
 */
export interface LlmExtractionSchema {
  entityTypes: readonly LlmEntityType[];
  relationTypes: readonly LlmRelationType[];
}
