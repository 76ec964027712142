/** @module Validation and normalisation of upsert inputs, shared by both drivers' bulk writers. */
import { hash } from 'node:crypto';
import { TrellisError } from '../core/errors.js';
import { isId, newId, normaliseId } from '../core/ids.js';
import { canonicalKey } from './keys.js';
import type { EntityInput, Evidence, EvidenceInput, RelationInput } from './types.js';

/** Entity and relation types: a letter, then letters, digits, `_`, `.` or `-`. */
export const typePattern = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** Largest character offset or page number (the columns are 32-bit integers). */
export const maxOffset = 2 ** 31 - 1;

/** Whether every store can hold a string: no U+0000 and no unpaired surrogate. */
export function storableText(value: string): boolean {
  return !value.includes('\u0000') && value.isWellFormed();
}

const earliestTime = Date.parse('0001-01-01T00:00:00Z');
const latestTime = Date.parse('9999-12-31T23:59:59.999Z');

/** Evidence ready to insert: the stored fields, and the fingerprint that makes a repeated citation a no-op. */
export type PreparedEvidence = Pick<Evidence, 'id' | 'sourceId' | 'chunkId' | 'start' | 'end' | 'quote' | 'extractor' | 'extractorVersion' | 'confidence'> & {
  fingerprint: string;
};

/** An entity ready to upsert; `inputs` are the indexes of the inputs it stands for. */
export interface PreparedEntity {
  id: string;
  type: string;
  name: string;
  key: string;
  aliases: Map<string, string>;
  properties: Record<string, unknown>;
  confidence: number;
  evidence: PreparedEvidence[];
  inputs: number[];
}

/** A relation ready to upsert. */
export interface PreparedRelation {
  id: string;
  type: string;
  from: string;
  to: string;
  /** Row numbers of the endpoints, filled in by the writer once it has checked they exist. */
  fromSeq: number;
  toSeq: number;
  properties: Record<string, unknown>;
  confidence: number;
  validFrom: string | null;
  validTo: string | null;
  evidence: PreparedEvidence[];
  inputs: number[];
}

/** The list an input came in. */
type List = 'entities' | 'relations';

/**
 * Where in the request an input sits, e.g. `relations[3].evidence[0]`. Passed as plain values and built only when an
 * input is rejected: building a path string (or a closure) for every accepted input was a measurable share of
 * bulk preparation.
 */
function invalid(list: List, index: number, message: string, evidence?: number, field?: string): TrellisError {
  const path = `${list}[${index}]${evidence === undefined ? '' : `.evidence[${evidence}]`}${field === undefined ? '' : `.${field}`}`;
  return new TrellisError('unprocessable', `${path}: ${message}`, { path });
}

function validConfidence(value: number | undefined): boolean {
  return value === undefined || (typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1);
}

const confidenceMessage = 'confidence must be a number from 0 to 1';

function validProperties(value: unknown): boolean {
  return value === undefined || (value !== null && typeof value === 'object' && !Array.isArray(value));
}

/** The time as stored (ISO-8601 UTC), null when absent, undefined when invalid. */
function timeOf(value: string | null | undefined): string | null | undefined {
  if (value === undefined || value === null) return null;
  const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time) || time < earliestTime || time > latestTime) return undefined;
  return new Date(time).toISOString();
}

const timeMessage = 'must be an ISO-8601 date-time between the years 1 and 9999';

const defaultEvidence: EvidenceInput[] = [{ extractor: 'api' }];

/**
 * Fingerprints already computed in one prepare call, by citation: extractors cite the same passage many times in a
 * batch, and a SHA-1 costs more than a map lookup.
 */
type Fingerprints = Map<string, string>;

function fingerprintOf(citation: string, known: Fingerprints): string {
  let fingerprint = known.get(citation);
  if (fingerprint === undefined) {
    fingerprint = hash('sha1', citation, 'base64url');
    known.set(citation, fingerprint);
  }
  return fingerprint;
}

/** Validates evidence and gives each a fingerprint; the same citation asserted twice is stored once. */
function prepareEvidence(list: EvidenceInput[] | undefined, owner: List, ownerIndex: number, known: Fingerprints): PreparedEvidence[] {
  const items = list === undefined || list.length === 0 ? defaultEvidence : list;
  const out: PreparedEvidence[] = new Array(items.length);
  for (let index = 0; index < items.length; index++) {
    const item = items[index] as EvidenceInput;
    const sourceId = item.sourceId === undefined ? null : normaliseId(item.sourceId);
    const chunkId = item.chunkId === undefined ? null : normaliseId(item.chunkId);
    if (sourceId !== null && !isId(sourceId)) throw invalid(owner, ownerIndex, 'sourceId is not a valid ID', index);
    if (chunkId !== null && !isId(chunkId)) throw invalid(owner, ownerIndex, 'chunkId is not a valid ID', index);
    if (chunkId !== null && sourceId === null) throw invalid(owner, ownerIndex, 'chunkId needs sourceId', index);
    const start = item.start ?? null;
    const end = item.end ?? null;
    if (start !== null && (!Number.isInteger(start) || start < 0 || start > maxOffset))
      throw invalid(owner, ownerIndex, `start must be an integer from 0 to ${maxOffset}`, index);
    if (end !== null && (!Number.isInteger(end) || end < 0 || end > maxOffset))
      throw invalid(owner, ownerIndex, `end must be an integer from 0 to ${maxOffset}`, index);
    if (start !== null && end !== null && end < start) throw invalid(owner, ownerIndex, 'end must not be before start', index);
    const extractor = item.extractor ?? 'api';
    if (typeof extractor !== 'string' || extractor.length === 0 || extractor.length > 200)
      throw invalid(owner, ownerIndex, 'extractor must be 1 to 200 characters', index);
    if (item.quote !== undefined && (typeof item.quote !== 'string' || !storableText(item.quote)))
      throw invalid(owner, ownerIndex, 'quote must be text without U+0000 or unpaired surrogates', index);
    if (!validConfidence(item.confidence)) throw invalid(owner, ownerIndex, confidenceMessage, index);
    out[index] = {
      id: newId(),
      fingerprint: fingerprintOf(`${sourceId}|${chunkId}|${start}|${end}|${extractor}`, known),
      sourceId,
      chunkId,
      start,
      end,
      quote: item.quote ?? null,
      extractor,
      extractorVersion: item.extractorVersion ?? null,
      confidence: item.confidence ?? 1,
    };
  }
  return out;
}

function mergeInto(
  target: { properties: Record<string, unknown>; confidence: number; evidence: PreparedEvidence[]; inputs: number[] },
  next: typeof target,
): void {
  Object.assign(target.properties, next.properties);
  target.confidence = Math.max(target.confidence, next.confidence);
  target.evidence.push(...next.evidence);
  target.inputs.push(...next.inputs);
}

/** Validates entity inputs and merges those with the same (type, key), so each is written once. */
export function prepareEntities(inputs: readonly EntityInput[]): PreparedEntity[] {
  const byIdentity = new Map<string, PreparedEntity>();
  const fingerprints: Fingerprints = new Map();
  for (let index = 0; index < inputs.length; index++) {
    const input = inputs[index] as EntityInput;
    if (input === null || typeof input !== 'object') throw invalid('entities', index, 'must be an object');
    const type = input.type;
    if (typeof type !== 'string' || !typePattern.test(type)) throw invalid('entities', index, `type must match ${typePattern.source}`);
    if (typeof input.name !== 'string' || input.name.trim() === '' || input.name.length > 1000)
      throw invalid('entities', index, 'name must be 1 to 1000 characters');
    if (!storableText(input.name) || (input.key !== undefined && (typeof input.key !== 'string' || !storableText(input.key)))) {
      throw invalid('entities', index, 'name and key must not contain U+0000 or unpaired surrogates');
    }
    const nameKey = canonicalKey(input.name);
    const key = input.key === undefined ? nameKey : canonicalKey(input.key);
    if (key === '' || key.length > 1000) throw invalid('entities', index, 'key must be 1 to 1000 characters after normalisation');
    const aliases = new Map<string, string>([[nameKey, input.name.trim()]]);
    for (const alias of input.aliases ?? []) {
      if (typeof alias !== 'string' || alias.trim() === '' || alias.length > 1000 || !storableText(alias))
        throw invalid('entities', index, 'aliases must be strings of 1 to 1000 characters');
      aliases.set(canonicalKey(alias), alias.trim());
    }
    if (!validProperties(input.properties)) throw invalid('entities', index, 'properties must be an object');
    if (!validConfidence(input.confidence)) throw invalid('entities', index, confidenceMessage);
    const prepared: PreparedEntity = {
      id: newId(),
      type,
      name: input.name.trim(),
      key,
      aliases,
      properties: { ...input.properties },
      confidence: input.confidence ?? 1,
      evidence: prepareEvidence(input.evidence, 'entities', index, fingerprints),
      inputs: [index],
    };
    const identity = `${type}\u0000${key}`;
    const existing = byIdentity.get(identity);
    if (existing) {
      mergeInto(existing, prepared);
      for (const [aliasKey, alias] of prepared.aliases) existing.aliases.set(aliasKey, alias);
    } else {
      byIdentity.set(identity, prepared);
    }
  }
  return [...byIdentity.values()];
}

/** Validates relation inputs and merges those with the same (from, type, to). */
export function prepareRelations(inputs: readonly RelationInput[]): PreparedRelation[] {
  const byIdentity = new Map<string, PreparedRelation>();
  const fingerprints: Fingerprints = new Map();
  for (let index = 0; index < inputs.length; index++) {
    const input = inputs[index] as RelationInput;
    if (input === null || typeof input !== 'object') throw invalid('relations', index, 'must be an object');
    const type = input.type;
    if (typeof type !== 'string' || !typePattern.test(type)) throw invalid('relations', index, `type must match ${typePattern.source}`);
    const from = normaliseId(input.from);
    const to = normaliseId(input.to);
    if (typeof from !== 'string' || !isId(from)) throw invalid('relations', index, 'from is not a valid entity ID');
    if (typeof to !== 'string' || !isId(to)) throw invalid('relations', index, 'to is not a valid entity ID');
    const validFrom = timeOf(input.validFrom);
    if (validFrom === undefined) throw invalid('relations', index, timeMessage, undefined, 'validFrom');
    const validTo = timeOf(input.validTo);
    if (validTo === undefined) throw invalid('relations', index, timeMessage, undefined, 'validTo');
    if (validFrom && validTo && validTo < validFrom) throw invalid('relations', index, 'validTo must not be before validFrom');
    if (!validProperties(input.properties)) throw invalid('relations', index, 'properties must be an object');
    if (!validConfidence(input.confidence)) throw invalid('relations', index, confidenceMessage);
    const prepared: PreparedRelation = {
      id: newId(),
      type,
      from,
      to,
      fromSeq: 0,
      toSeq: 0,
      properties: { ...input.properties },
      confidence: input.confidence ?? 1,
      validFrom,
      validTo,
      evidence: prepareEvidence(input.evidence, 'relations', index, fingerprints),
      inputs: [index],
    };
    const identity = `${from}|${type}|${to}`;
    const existing = byIdentity.get(identity);
    if (existing) mergeInto(existing, prepared);
    else byIdentity.set(identity, prepared);
  }
  return [...byIdentity.values()];
}

/** Maps per-item results back to input order. */
export function idsByInput(items: readonly { inputs: number[] }[], ids: readonly string[], count: number): string[] {
  const out = new Array<string>(count);
  items.forEach((item, position) => {
    for (const input of item.inputs) out[input] = ids[position] as string;
  });
  return out;
}
