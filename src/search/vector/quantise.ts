/**
 * @module Scalar quantisation to int8, per dimension: value ≈ offset[d] + step[d] × (code + 128). A query is scored
 * against codes as Σ q[d] × step[d] × code[d] (the rest is the same for every vector of a query, so the ranking is
 * unchanged), with q[d] × step[d] scaled to int16 so the SIMD kernel multiplies integers.
 */

/** Per-dimension ranges from a sample of `count` vectors of stride `padded`; dimensions beyond `dimensions` stay 0. */
export function trainQuantiser(sample: Float32Array, count: number, dimensions: number, padded: number, offsets: Float32Array, steps: Float32Array): void {
  for (let d = 0; d < dimensions; d++) {
    let low = Infinity;
    let high = -Infinity;
    for (let index = 0; index < count; index++) {
      const value = sample[index * padded + d] as number;
      if (value < low) low = value;
      if (value > high) high = value;
    }
    if (!Number.isFinite(low)) {
      low = 0;
      high = 0;
    }
    // A little headroom: vectors appended after the build may reach slightly further than the sample did.
    const margin = (high - low) * 0.02;
    low -= margin;
    high += margin;
    offsets[d] = low;
    steps[d] = high > low ? (high - low) / 255 : 1;
  }
  for (let d = dimensions; d < padded; d++) {
    offsets[d] = 0;
    steps[d] = 1;
  }
}

/** Writes the int8 codes of `vector` (length ≥ dimensions) at `codes[at…at+padded)`; values outside the range are clamped. */
export function encode(
  vector: Float32Array,
  dimensions: number,
  padded: number,
  offsets: Float32Array,
  steps: Float32Array,
  codes: Int8Array,
  at: number,
): void {
  for (let d = 0; d < dimensions; d++) {
    let code = Math.round(((vector[d] as number) - (offsets[d] as number)) / (steps[d] as number)) - 128;
    if (code < -128) code = -128;
    else if (code > 127) code = 127;
    codes[at + d] = code;
  }
  for (let d = dimensions; d < padded; d++) codes[at + d] = 0;
}

/**
 * Writes the int16 form of a unit query for the int8 kernel at `out` (length padded). The scale keeps every
 * product sum inside int32: |Σ q16 × code| ≤ padded × 128 × max|q16| < 2^31.
 */
export function quantiseQuery(query: Float32Array, padded: number, steps: Float32Array, out: Int16Array): void {
  let largest = 0;
  for (let d = 0; d < padded; d++) largest = Math.max(largest, Math.abs((query[d] as number) * (steps[d] as number)));
  const limit = Math.min(32767, Math.floor(2 ** 31 / (padded * 128)) - 1);
  const scale = largest > 0 ? limit / largest : 0;
  for (let d = 0; d < padded; d++) out[d] = Math.round((query[d] as number) * (steps[d] as number) * scale);
}
