/** @module Vectors as stored: `dimensions` raw little-endian float32 values in a BLOB (SQLite) or bytea (PostgreSQL). */
import { endianness } from 'node:os';

const littleEndian = endianness() === 'LE';

/** The stored bytes of a vector (4 × length, little-endian float32). */
export function vectorToBytes(vector: Float32Array): Buffer {
  if (littleEndian) return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
  const bytes = Buffer.alloc(vector.length * 4);
  for (let index = 0; index < vector.length; index++) bytes.writeFloatLE(vector[index]!, index * 4);
  return bytes;
}

/** A stored vector read back (a copy, so it is aligned and owns its memory); throws when the length is not a whole number of floats. */
export function bytesToVector(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0) throw new Error(`A stored vector has ${bytes.byteLength} bytes, not a multiple of 4`);
  const vector = new Float32Array(bytes.byteLength / 4);
  if (littleEndian) new Uint8Array(vector.buffer).set(bytes);
  else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let index = 0; index < vector.length; index++) vector[index] = view.getFloat32(index * 4, true);
  }
  return vector;
}

/** Scales a vector to unit length in place; an all-zero vector stays zero. Answers false when it holds a non-finite value. */
export function normaliseInPlace(vector: Float32Array): boolean {
  let norm = 0;
  for (let index = 0; index < vector.length; index++) {
    const value = vector[index]!;
    if (!Number.isFinite(value)) return false;
    norm += value * value;
  }
  if (norm === 0) return true;
  const inverse = 1 / Math.sqrt(norm);
  for (let index = 0; index < vector.length; index++) vector[index] = vector[index]! * inverse;
  return true;
}
