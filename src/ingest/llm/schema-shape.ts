/** @module The part of the ingest extraction schema (`../schema.ts`) the LLM extractor reads: types, descriptions, relation ends. */
import type { EntityTypeDef, ExtractionSchema, RelationTypeDef } from '../schema.js';

/** An entity type the model may report. */
export type LlmEntityType = Pick<EntityTypeDef, 'name'> & Partial<Pick<EntityTypeDef, 'description'>>;

/**
 * A relation type the model may report; `from`/`to` restrict the entity types at its ends (empty or absent: any).
 * Co-occurrence types are never asked of the model: they record proximity, not a stated fact.
 */
export type LlmRelationType = Pick<RelationTypeDef, 'name'> &
  Partial<Pick<RelationTypeDef, 'description' | 'cooccurrence'>> & { from?: readonly string[]; to?: readonly string[] };

/** What the LLM extractor needs of an extraction schema; a loaded {@link ExtractionSchema} fits. */
export interface LlmExtractionSchema {
  entityTypes: readonly LlmEntityType[];
  relationTypes: readonly LlmRelationType[];
}

/** The relation types asked of the model: all but co-occurrence ones. */
export function statedRelationTypes(schema: LlmExtractionSchema): LlmRelationType[] {
  return schema.relationTypes.filter((type) => !type.cooccurrence);
}

/** Whether an entity type may stand at a relation end (an empty or absent list allows any). */
export function endAllows(allowed: readonly string[] | undefined, entityType: string): boolean {
  return !allowed || allowed.length === 0 || allowed.includes(entityType);
}

// A loaded schema must always be usable as is.
const loadedSchemaFits = (schema: ExtractionSchema): LlmExtractionSchema => schema;
void loadedSchemaFits;
