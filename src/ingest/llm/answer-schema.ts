/** @module The JSON schema the model must answer with, generated from the extraction schema, and its validator. */
import { Ajv, type ErrorObject } from 'ajv';
import { statedRelationTypes, type LlmExtractionSchema } from './schema-shape.js';

/** One entity of the model's answer: a type of the schema, a name, and the exact texts that mention it. */
export interface AnswerEntity {
  type: string;
  name: string;
  mentions: { text: string }[];
}

/** One relation of the model's answer: ends name entities of the answer (by name, or by index as a string). */
export interface AnswerRelation {
  type: string;
  from: string;
  to: string;
  evidence: string;
}

/** The model's whole answer for one chunk, once validated. */
export interface Answer {
  entities: AnswerEntity[];
  relations?: AnswerRelation[];
}

/** A JSON schema as plain data. */
export type JsonSchema = Record<string, unknown>;

/**
 * The answer schema in the form OpenAI's strict structured outputs accept (every property required,
 * `additionalProperties: false`), which vLLM and Ollama accept too. `relations` exists only when the schema has
 * relation types (an empty `enum` is not a valid schema).
 */
export function answerSchema(schema: LlmExtractionSchema): JsonSchema {
  const entity = {
    type: 'object',
    additionalProperties: false,
    required: ['type', 'name', 'mentions'],
    properties: {
      type: { type: 'string', enum: schema.entityTypes.map((type) => type.name) },
      name: { type: 'string', description: 'The entity name as written in the text' },
      mentions: {
        type: 'array',
        description: 'Every passage of the text naming this entity, copied exactly',
        items: { type: 'object', additionalProperties: false, required: ['text'], properties: { text: { type: 'string' } } },
      },
    },
  };
  const properties: Record<string, unknown> = { entities: { type: 'array', items: entity } };
  const relationTypes = statedRelationTypes(schema);
  if (relationTypes.length > 0) {
    properties.relations = {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'from', 'to', 'evidence'],
        properties: {
          type: { type: 'string', enum: relationTypes.map((type) => type.name) },
          from: { type: 'string', description: 'The name of an entity listed in entities' },
          to: { type: 'string', description: 'The name of an entity listed in entities' },
          evidence: { type: 'string', description: 'The sentence of the text stating the relation, copied exactly' },
        },
      },
    };
  }
  return { type: 'object', additionalProperties: false, required: Object.keys(properties), properties };
}

/** Parses and validates a model answer; returns the answer or a message saying what is wrong (to send back for repair). */
export type AnswerParser = (content: string | null | undefined) => { answer: Answer } | { error: string };

/** Compiles the validator of {@link answerSchema} once per extractor. */
export function answerParser(schema: LlmExtractionSchema): AnswerParser {
  const validate = new Ajv({ allErrors: true, strict: false }).compile(answerSchema(schema));
  return (content) => {
    if (content === null || content === undefined || content.trim() === '') return { error: 'The answer was empty.' };
    let value: unknown;
    try {
      value = JSON.parse(stripFence(content));
    } catch (error) {
      return { error: `The answer is not valid JSON: ${(error as Error).message}` };
    }
    if (!validate(value)) return { error: `The answer does not match the schema: ${describe(validate.errors ?? [])}` };
    return { answer: value as Answer };
  };
}

/** Some local models wrap JSON in a Markdown fence even when asked not to. */
function stripFence(content: string): string {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n\s*```\s*$/.exec(content);
  return fenced?.[1] ?? content;
}

function describe(errors: ErrorObject[]): string {
  return errors
    .slice(0, 5)
    .map(
      (error) =>
        `${error.instancePath || '/'} ${error.message ?? 'is invalid'}${error.params && 'allowedValues' in error.params ? ` (${(error.params.allowedValues as unknown[]).join(', ')})` : ''}`,
    )
    .join('; ');
}
