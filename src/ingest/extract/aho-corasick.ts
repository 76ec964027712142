/** @module Aho–Corasick multi-pattern matching: every gazetteer name found in one pass over the text, overlaps included. */

/** One occurrence of a pattern: the pattern's index and its span in the text (UTF-16 offsets). */
export interface PatternMatch {
  pattern: number;
  start: number;
  end: number;
}

/** A compiled automaton. Plain arrays, so building it once per worker is cheap and matching allocates little. */
export interface Automaton {
  readonly ignoreCase: boolean;
  /** Per node: code unit → next node. */
  readonly next: Map<number, number>[];
  readonly fail: Int32Array;
  /** Per node: patterns ending here (by index), own only; `outputLink` chains to the next node with output. */
  readonly output: (number[] | undefined)[];
  readonly outputLink: Int32Array;
  readonly lengths: number[];
}

const foldCache = new Map<number, number>();

/** Case folding per UTF-16 code unit, so offsets never move (String#toLowerCase can change a string's length). */
function fold(code: number): number {
  if (code < 128) return code >= 65 && code <= 90 ? code + 32 : code;
  let folded = foldCache.get(code);
  if (folded === undefined) {
    const lower = String.fromCharCode(code).toLowerCase();
    folded = lower.length === 1 ? lower.charCodeAt(0) : code;
    foldCache.set(code, folded);
  }
  return folded;
}

/**
 * Builds the automaton for `patterns` (empty strings are ignored).
 * @example
 * const automaton = buildAutomaton(['he', 'she', 'hers'], false);
 * findAll(automaton, 'ushers') // she@1, he@2, hers@2
 */
export function buildAutomaton(patterns: readonly string[], ignoreCase: boolean): Automaton {
  const next: Map<number, number>[] = [new Map()];
  const ownOutput: (number[] | undefined)[] = [undefined];
  patterns.forEach((pattern, index) => {
    if (pattern.length === 0) return;
    let node = 0;
    for (let i = 0; i < pattern.length; i++) {
      const code = ignoreCase ? fold(pattern.charCodeAt(i)) : pattern.charCodeAt(i);
      let child = next[node]!.get(code);
      if (child === undefined) {
        child = next.length;
        next.push(new Map());
        ownOutput.push(undefined);
        next[node]!.set(code, child);
      }
      node = child;
    }
    (ownOutput[node] ??= []).push(index);
  });
  const fail = new Int32Array(next.length);
  const outputLink = new Int32Array(next.length).fill(-1);
  // Breadth-first, so a node's fail target is always finished before the node itself.
  const queue: number[] = [];
  for (const child of next[0]!.values()) queue.push(child);
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]!;
    for (const [code, child] of next[node]!) {
      let target = fail[node]!;
      while (target !== 0 && !next[target]!.has(code)) target = fail[target]!;
      const candidate = next[target]!.get(code);
      fail[child] = candidate !== undefined && candidate !== child ? candidate : 0;
      const failNode = fail[child]!;
      outputLink[child] = ownOutput[failNode] ? failNode : outputLink[failNode]!;
      queue.push(child);
    }
  }
  return { ignoreCase, next, fail, output: ownOutput, outputLink, lengths: patterns.map((pattern) => pattern.length) };
}

/** Every occurrence of every pattern in `text`, in order of end offset. */
export function findAll(automaton: Automaton, text: string): PatternMatch[] {
  const matches: PatternMatch[] = [];
  const { next, fail, output, outputLink, lengths, ignoreCase } = automaton;
  let node = 0;
  for (let i = 0; i < text.length; i++) {
    const code = ignoreCase ? fold(text.charCodeAt(i)) : text.charCodeAt(i);
    let child = next[node]!.get(code);
    while (child === undefined && node !== 0) {
      node = fail[node]!;
      child = next[node]!.get(code);
    }
    node = child ?? 0;
    for (let hit = output[node] ? node : outputLink[node]!; hit > 0; hit = outputLink[hit]!) {
      for (const pattern of output[hit]!) matches.push({ pattern, start: i + 1 - lengths[pattern]!, end: i + 1 });
    }
  }
  return matches;
}
