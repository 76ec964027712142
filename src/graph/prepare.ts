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

/** Where in the request an input sits, e.g. `relations[3].evidence[0]`; built only when an input is rejected. */
type Where = () => string;

function invalid(where: Where, message: string): TrellisError {
  const path = where();
  return new TrellisError('unprocessable', `${path}: ${message}`, { path });
}

function checkConfidence(value: number | undefined, where: Where): number {
  if (value === undefined) return 1;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) throw invalid(where, 'confidence must be a number from 0 to 1');
  return value;
}

function checkProperties(value: unknown, where: Where): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(where, 'properties must be an object');
  return { ...(value as Record<string, unknown>) };
}

function checkType(value: unknown, where: Where): string {
  if (typeof value !== 'string' || !typePattern.test(value)) throw invalid(where, `type must match ${typePattern.source}`);
  return value;
}

function checkTime(value: string | null | undefined, where: Where): string | null {
  if (value === undefined || value === null) return null;
  const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time) || time < earliestTime || time > latestTime) throw invalid(where, 'must be an ISO-8601 date-time between the years 1 and 9999');
  return new Date(time).toISOString();
}

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
function prepareEvidence(list: EvidenceInput[] | undefined, where: Where, known: Fingerprints): PreparedEvidence[] {
  const items = list === undefined || list.length === 0 ? defaultEvidence : list;
  const out: PreparedEvidence[] = new Array(items.length);
  for (let index = 0; index < items.length; index++) {
    const item = items[index] as EvidenceInput;
    const at = () => `${where()}.evidence[${index}]`;
    const sourceId = item.sourceId === undefined ? null : normaliseId(item.sourceId);
    const chunkId = item.chunkId === undefined ? null : normaliseId(item.chunkId);
    if (sourceId !== null && !isId(sourceId)) throw invalid(at, 'sourceId is not a valid ID');
    if (chunkId !== null && !isId(chunkId)) throw invalid(at, 'chunkId is not a valid ID');
    if (chunkId !== null && sourceId === null) throw invalid(at, 'chunkId needs sourceId');
    const start = item.start ?? null;
    const end = item.end ?? null;
    if (start !== null && (!Number.isInteger(start) || start < 0 || start > maxOffset)) throw invalid(at, `start must be an integer from 0 to ${maxOffset}`);
    if (end !== null && (!Number.isInteger(end) || end < 0 || end > maxOffset)) throw invalid(at, `end must be an integer from 0 to ${maxOffset}`);
    if (start !== null && end !== null && end < start) throw invalid(at, 'end must not be before start');
    const extractor = item.extractor ?? 'api';
    if (typeof extractor !== 'string' || extractor.length === 0 || extractor.length > 200) throw invalid(at, 'extractor must be 1 to 200 characters');
    if (item.quote !== undefined && (typeof item.quote !== 'string' || !storableText(item.quote)))
      throw invalid(at, 'quote must be text without U+0000 or unpaired surrogates');
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
      confidence: checkConfidence(item.confidence, at),
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
  inputs.forEach((input, index) => {
    const where = () => `entities[${index}]`;
    if (input === null || typeof input !== 'object') throw invalid(where, 'must be an object');
    const type = checkType(input.type, where);
    if (typeof input.name !== 'string' || input.name.trim() === '' || input.name.length > 1000) throw invalid(where, 'name must be 1 to 1000 characters');
    if (!storableText(input.name) || (input.key !== undefined && (typeof input.key !== 'string' || !storableText(input.key)))) {
      throw invalid(where, 'name and key must not contain U+0000 or unpaired surrogates');
    }
    const key = canonicalKey(input.key ?? input.name);
    if (key === '' || key.length > 1000) throw invalid(where, 'key must be 1 to 1000 characters after normalisation');
    const aliases = new Map<string, string>([[canonicalKey(input.name), input.name.trim()]]);
    for (const alias of input.aliases ?? []) {
      if (typeof alias !== 'string' || alias.trim() === '' || alias.length > 1000 || !storableText(alias))
        throw invalid(where, 'aliases must be strings of 1 to 1000 characters');
      aliases.set(canonicalKey(alias), alias.trim());
    }
    const prepared: PreparedEntity = {
      id: newId(),
      type,
      name: input.name.trim(),
      key,
      aliases,
      properties: checkProperties(input.properties, where),
      confidence: checkConfidence(input.confidence, where),
      evidence: prepareEvidence(input.evidence, where, fingerprints),
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
  });
  return [...byIdentity.values()];
}

/** Validates relation inputs and merges those with the same (from, type, to). */
export function prepareRelations(inputs: readonly RelationInput[]): PreparedRelation[] {
  const byIdentity = new Map<string, PreparedRelation>();
  const fingerprints: Fingerprints = new Map();
  inputs.forEach((input, index) => {
    const where = () => `relations[${index}]`;
    if (input === null || typeof input !== 'object') throw invalid(where, 'must be an object');
    const type = checkType(input.type, where);
    const from = normaliseId(input.from);
    const to = normaliseId(input.to);
    if (typeof from !== 'string' || !isId(from)) throw invalid(where, 'from is not a valid entity ID');
    if (typeof to !== 'string' || !isId(to)) throw invalid(where, 'to is not a valid entity ID');
    const validFrom = checkTime(input.validFrom, () => `${where()}.validFrom`);
    const validTo = checkTime(input.validTo, () => `${where()}.validTo`);
    if (validFrom && validTo && validTo < validFrom) throw invalid(where, 'validTo must not be before validFrom');
    const prepared: PreparedRelation = {
      id: newId(),
      type,
      from,
      to,
      fromSeq: 0,
      toSeq: 0,
      properties: checkProperties(input.properties, where),
      confidence: checkConfidence(input.confidence, where),
      validFrom,
      validTo,
      evidence: prepareEvidence(input.evidence, where, fingerprints),
      inputs: [index],
    };
    const identity = `${prepared.from}|${type}|${prepared.to}`;
    const existing = byIdentity.get(identity);
    if (existing) mergeInto(existing, prepared);
    else byIdentity.set(identity, prepared);
  });
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
