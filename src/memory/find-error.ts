/**
 * @module find-error: given an error message, the past mistakes that match it, with their solutions, ranked by
 * similarity × (0.5 + effectiveness) so a fix that has worked beats a closer match whose fix has not.
 */
import { TrellisError } from '../core/errors.js';
import type { TextSearch } from '../search/text/index.js';
import { fold } from '../search/text/tokens.js';
import type { Store } from '../store/index.js';
import { effectiveness as laplace } from './kinds.js';
import type { MemoryVectorSignal } from './recall.js';
import { contentWords, wordsQuery } from './recall-query.js';
import { startedFirst } from './recall-vectors.js';
import { type Memory, findMemories } from './rows.js';

/** Limits of a find-error request, shared by the route schema and the service. */
export const findErrorLimits = { maxMessageLength: 4000, maxErrorTypeLength: 200, maxLimit: 50, defaultLimit: 5 } as const;

/** Added to the similarity (capped at 1) when the mistake's error type is the one asked for (case and diacritics ignored). */
export const errorTypeBonus = 0.2;

/** Cosine similarity below which a mistake's vector is not taken as similar (unrelated texts of some embedders score 0.1–0.3). */
export const minimumVectorSimilarity = 0.5;

/** Distinct words of a message searched (an error message's first words carry its type and what failed). */
const messageWords = 32;

/** Candidate mistakes read from each signal: twice the results asked for, at least this many. */
const minimumCandidates = 20;

/**
 * Matches above which a word of the message is common (SQLite): the rare words, together within this many matches,
 * are ranked over all their matches; common ones only within the newest. A message has up to 32 words, most of them
 * rare enough to find the mistakes it resembles; ranking 5,000 matches (recall's budget) cost find-error half its time.
 */
const commonWordMatches = 1000;

export interface FindErrorRequest {
  message: string;
  errorType?: string;
  /** 1 to 50. @default 5 */
  limit?: number;
  /** Archived mistakes too (status `archived`, or `archived_at` set). @default false */
  includeArchived?: boolean;
}

export interface FindErrorResult {
  mistake: Memory;
  /** 0 to 1: how much of the message's words the mistake's message and context share (Dice), or the vector similarity when higher (and at least 0.5), plus the error-type bonus. */
  similarity: number;
  /** The solution's Laplace-smoothed effectiveness from feedback: (worked + 1) / (reports + 2), 0.5 with none. */
  effectiveness: number;
  /** similarity × (0.5 + effectiveness). */
  score: number;
  solution: string | null;
  solutionSteps: string[];
}

export interface FindErrorResponse {
  results: FindErrorResult[];
  milliseconds: number;
}

export interface FindErrorService {
  findError(tenantId: string, request: FindErrorRequest): Promise<FindErrorResponse>;
}

function bad(message: string, parameter: string): TrellisError {
  return new TrellisError('bad_request', message, { parameter });
}

/** Checks a find-error request (the route's schema checks it first; the service is also called in-process). */
export function checkFindErrorRequest(request: FindErrorRequest): { message: string; errorType: string | null; limit: number; includeArchived: boolean } {
  if (request === null || typeof request !== 'object') throw bad('The request must be an object', 'body');
  const { message, errorType } = request;
  if (typeof message !== 'string' || message.trim() === '') throw bad('message must be non-empty text', 'message');
  if (message.length > findErrorLimits.maxMessageLength) throw bad(`message is longer than ${findErrorLimits.maxMessageLength} characters`, 'message');
  if (errorType !== undefined && (typeof errorType !== 'string' || errorType.trim() === '' || errorType.length > findErrorLimits.maxErrorTypeLength))
    throw bad(`errorType must be text of 1 to ${findErrorLimits.maxErrorTypeLength} characters`, 'errorType');
  const limit = request.limit ?? findErrorLimits.defaultLimit;
  if (!Number.isInteger(limit) || limit < 1 || limit > findErrorLimits.maxLimit)
    throw bad(`limit must be an integer from 1 to ${findErrorLimits.maxLimit}`, 'limit');
  const includeArchived = request.includeArchived ?? false;
  if (typeof includeArchived !== 'boolean') throw bad('includeArchived must be true or false', 'includeArchived');
  return { message, errorType: errorType === undefined ? null : errorType, limit, includeArchived };
}

/** Dice coefficient of two word sets: 2 |A ∩ B| / (|A| + |B|). */
export function dice(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const word of a) if (b.has(word)) shared++;
  return (2 * shared) / (a.size + b.size);
}

/** A mistake's effectiveness from its recorded feedback (0.5 with none). */
export function effectivenessOf(mistake: Memory): number {
  const feedback = mistake.fields.feedback as { worked?: number; total?: number; effectiveness?: number } | undefined;
  if (feedback && typeof feedback.effectiveness === 'number') return feedback.effectiveness;
  return laplace(Number(feedback?.worked ?? 0), Number(feedback?.total ?? 0));
}

const normalisedType = (type: string) => fold(type.trim());

/** Creates the find-error service: full-text (and vector, when memories are embedded) candidates among mistakes, scored in JavaScript. */
export function createFindErrorService({ store, text, vectors }: { store: Store; text: TextSearch; vectors?: MemoryVectorSignal }): FindErrorService {
  return {
    async findError(tenantId, request) {
      const started = performance.now();
      const { message, errorType, limit, includeArchived } = checkFindErrorRequest(request);
      // The error type's words join the query: a mistake of the same type is a candidate even when its message differs.
      const query = wordsQuery(errorType === null ? message : `${errorType} ${message}`, messageWords);
      const filter = { kinds: ['mistake'], ...(includeArchived ? { includeArchived } : {}) };
      const candidates = Math.max(minimumCandidates, limit * 2);
      const { pending } = await startedFirst(async () => (vectors ? vectors.search(tenantId, message, { limit: candidates, filter }) : []));
      const textHits =
        query.terms.length === 0 ? [] : await text.memories(tenantId, query, { limit: candidates, filter, commonTermMatches: commonWordMatches });
      const vectorHits = await pending;
      const cosine = new Map(vectorHits.filter((hit) => hit.score >= minimumVectorSimilarity).map((hit) => [hit.id, hit.score]));
      const ids = [...new Set([...textHits.map((hit) => hit.id), ...cosine.keys()])];
      const mistakes = await store.read({ tenantId }, (tx) => findMemories(tx, tenantId, ids));
      const words = contentWords(message);
      const wanted = errorType === null ? null : normalisedType(errorType);
      const results: FindErrorResult[] = [];
      for (const id of ids) {
        const mistake = mistakes.get(id);
        if (!mistake || mistake.kind !== 'mistake') continue;
        const fields = mistake.fields as { errorType?: string; message?: string; context?: string; solution?: string; solutionSteps?: string[] };
        const theirs = contentWords(`${fields.message ?? mistake.body} ${fields.context ?? ''}`);
        const base = Math.max(dice(words, theirs), cosine.get(id) ?? 0);
        const bonus = wanted !== null && fields.errorType !== undefined && normalisedType(fields.errorType) === wanted ? errorTypeBonus : 0;
        const similarity = Math.round(Math.min(1, base + bonus) * 10_000) / 10_000;
        if (similarity <= 0) continue;
        const effectiveness = effectivenessOf(mistake);
        results.push({
          mistake,
          similarity,
          effectiveness,
          score: Math.round(similarity * (0.5 + effectiveness) * 10_000) / 10_000,
          solution: fields.solution ?? null,
          solutionSteps: Array.isArray(fields.solutionSteps) ? fields.solutionSteps : [],
        });
      }
      results.sort((a, b) => b.score - a.score || b.similarity - a.similarity || (a.mistake.id < b.mistake.id ? -1 : 1));
      return { results: results.slice(0, limit), milliseconds: Math.round((performance.now() - started) * 100) / 100 };
    },
  };
}
