/** @module The chat messages sent to the model: the schema's type descriptions, the rules, and the chunk text. */
import type { DocumentInfo } from '../types.js';
import { statedRelationTypes, type LlmExtractionSchema } from './schema-shape.js';

/** A chat message as the chat-completions API takes it. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** The system message: what to extract, described by the schema. Identical for every chunk (cache-friendly). */
export function systemMessage(schema: LlmExtractionSchema): string {
  const entityLines = schema.entityTypes.map((type) => `- ${type.name}${type.description ? `: ${type.description}` : ''}`);
  const relationLines = statedRelationTypes(schema).map((type) => {
    const from = type.from?.length ? type.from.join('|') : 'any';
    const to = type.to?.length ? type.to.join('|') : 'any';
    const ends = from === 'any' && to === 'any' ? '' : ` (${from} → ${to})`;
    return `- ${type.name}${ends}${type.description ? `: ${type.description}` : ''}`;
  });
  return [
    'You extract a knowledge graph from text. Answer with JSON only, matching the given JSON schema.',
    '',
    'Entity types:',
    ...entityLines,
    ...(relationLines.length > 0 ? ['', 'Relation types:', ...relationLines] : []),
    '',
    'Rules:',
    '- Report only entities the text names; never add knowledge that is not in the text.',
    '- Each mention text must be copied exactly, character for character, from the text.',
    ...(relationLines.length > 0
      ? [
          '- A relation\'s "from" and "to" are names of entities you listed; its "evidence" is the sentence of the text that states it, copied exactly.',
          '- Report a relation only when the text states it.',
        ]
      : []),
    '- If the text names nothing of these types, answer with empty lists.',
  ].join('\n');
}

/** The user message for one chunk. */
export function chunkMessage(text: string, document: DocumentInfo): string {
  const title = document.title ? `Document: ${document.title}\n\n` : '';
  return `${title}Text:\n"""\n${text}\n"""`;
}

/** The follow-up asking the model to correct an answer that did not parse or validate. */
export function repairMessage(error: string): string {
  return `Your answer could not be used. ${error}\nReply again with the corrected JSON only, matching the schema exactly.`;
}
