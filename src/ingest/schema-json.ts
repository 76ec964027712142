/** @module JSON Schema of an extraction answer for a given extraction schema: what an LLM extractor asks the model to return. */
import type { ExtractionSchema } from './schema.js';

/** The answer shape the JSON Schema describes: mentions by their exact text, relations by mention index. */
export interface ExtractionAnswer {
  entities: { type: string; text: string }[];
  relations: { type: string; from: number; to: number }[];
}

/**
 * Builds a strict JSON Schema (draft 2020-12 subset accepted by OpenAI structured outputs: every property required,
 * no additional properties) whose entity and relation `type` fields are enums of the schema's types, with the
 * types' descriptions in the field description so the model sees them.
 * @example
 * const jsonSchema = extractionJsonSchema(defaultSchema());
 */
export function extractionJsonSchema(schema: ExtractionSchema): Record<string, unknown> {
  const entityHelp = schema.entityTypes.map((type) => `${type.name}: ${type.description}`).join('\n');
  const relationTypes = schema.relationTypes.filter((type) => !type.cooccurrence);
  const relationHelp = relationTypes
    .map((type) => {
      const ends = `${type.from.join('|') || 'any'} -> ${type.to.join('|') || 'any'}`;
      return `${type.name} (${ends}): ${type.description}`;
    })
    .join('\n');
  return {
    type: 'object',
    additionalProperties: false,
    required: ['entities', 'relations'],
    properties: {
      entities: {
        type: 'array',
        description: 'Every named entity mentioned in the text, with its exact surface text.',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['type', 'text'],
          properties: {
            type: { type: 'string', enum: schema.entityTypes.map((type) => type.name), description: entityHelp },
            text: { type: 'string', description: 'The mention exactly as written in the text.' },
          },
        },
      },
      relations: {
        type: 'array',
        description: 'Relations stated in the text, between entities of the list above (0-based indexes).',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['type', 'from', 'to'],
          properties: {
            type: { type: 'string', enum: relationTypes.map((type) => type.name), description: relationHelp },
            from: { type: 'integer', minimum: 0 },
            to: { type: 'integer', minimum: 0 },
          },
        },
      },
    },
  };
}
