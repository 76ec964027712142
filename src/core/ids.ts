/** @module Identifiers: time-sortable UUIDv7 for rows, and random secrets for keys and tokens. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { uuidv7 } from 'uuidv7';

/** A new time-sortable row identifier (UUIDv7, lower-case, 36 characters). */
export function newId(): string {
  return uuidv7();
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether a string is a well-formed UUID (any version), as every Trellis ID is. */
export function isId(value: string): boolean {
  return uuidPattern.test(value);
}

const base32Alphabet = 'abcdefghijklmnopqrstuvwxyz234567';

/** A random lower-case base32 string of the given length (5 bits of entropy per character). */
export function randomToken(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += base32Alphabet[(bytes[i] as number) & 31];
  return out;
}

/** SHA-256 of a string, hex encoded. Used for high-entropy secrets (API keys, refresh tokens). */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Constant-time comparison of two hex digests. */
export function digestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
