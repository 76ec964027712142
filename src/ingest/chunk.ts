/** @module The chunker: text blocks into sentence-aligned chunks with exact offsets, never across a page boundary; `chunkFile` parses and chunks a whole file. */
import { sentenceSplitter } from './sentences.js';
import { parseDocument } from './parse/index.js';
import type { ChunkDraft, DocumentInfo, SourceKind, TextBlock } from './types.js';

/** Options of {@link chunkBlocks}. */
export interface ChunkOptions {
  /** Target chunk length in characters (UTF-16 code units); no chunk is longer. @default 1200 */
  size?: number;
  /** Characters of whole trailing sentences a chunk repeats from the one before (0 = none). @default 150 */
  overlap?: number;
  /** Locale of the sentence rules: English rules (`sentences.ts`) for `en`, Intl.Segmenter for any other. @default "en" */
  locale?: string;
}

interface Span {
  start: number;
  end: number;
}

/** Characters segmented at once; a run this long with no sentence end is split at spaces. */
const SEGMENT_WINDOW_MIN = 16 * 1024;

/** Whether a UTF-16 code unit is a high surrogate (a cut after it would split a character). */
function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * Splits [start, end) of `text` into pieces of at most `size`, preferring to cut after whitespace, never inside a
 * surrogate pair. Offsets are relative to `text`.
 */
export function splitLong(text: string, start: number, end: number, size: number): Span[] {
  const pieces: Span[] = [];
  let from = start;
  while (end - from > size) {
    let cut = from + size;
    const space = text.slice(from + 1, cut + 1).search(/\s\S*$/);
    if (space >= 0) cut = from + 1 + space + 1;
    else if (isHighSurrogate(text.charCodeAt(cut - 1))) cut -= 1;
    if (cut <= from) cut = from + size;
    pieces.push({ start: from, end: cut });
    from = cut;
  }
  if (end > from) pieces.push({ start: from, end });
  return pieces;
}

/**
 * Chunks a stream of contiguous text blocks (see TextBlock). Chunks are whole sentences (see `sentenceSplitter`) up to `size`
 * characters; a sentence longer than `size` is split at spaces. Each chunk after the first of a page starts with the
 * last whole sentences of the one before, up to `overlap` characters. Leading and trailing whitespace is left out of a
 * chunk; whitespace-only spans make no chunk. Chunks never cross a page: a block with another `page` starts afresh.
 * Offsets are exact: `chunk.text === fullText.slice(chunk.start, chunk.end)`. Memory: about max(16 KiB, 4 × size)
 * of text besides the current block. Plain data in and out, so it can run in a worker thread.
 * @example
 * for await (const chunk of chunkBlocks(doc.blocks, { size: 1200, overlap: 150 })) store(chunk);
 */
export async function* chunkBlocks(blocks: AsyncIterable<TextBlock> | Iterable<TextBlock>, options: ChunkOptions = {}): AsyncGenerator<ChunkDraft> {
  const size = Math.max(1, options.size ?? 1200);
  const overlap = Math.max(0, Math.min(options.overlap ?? 150, size - 1));
  const sentences = sentenceSplitter(options.locale ?? 'en');
  const window = Math.max(SEGMENT_WINDOW_MIN, size * 4);
  let ordinal = 0;
  // Unsegmented text of the current page, starting at offset `bufferStart` of the document.
  let buffer = '';
  let bufferStart = 0;
  let page: number | undefined;
  // Sentences (document offsets) not yet fully emitted, with their text.
  let queue: { span: Span; text: string }[] = [];
  let queued = 0;

  const enqueue = (text: string, base: number, from: number, to: number): void => {
    for (const piece of splitLong(text, from, to, size)) {
      queue.push({ span: { start: base + piece.start, end: base + piece.end }, text: text.slice(piece.start, piece.end) });
      queued += piece.end - piece.start;
    }
  };

  /** One chunk from the head of the queue (undefined when it is only whitespace); leaves the overlap sentences queued and returns how many. */
  function take(): { chunk: ChunkDraft | undefined; kept: number } {
    let count = 0;
    let length = 0;
    while (count < queue.length && length + queue[count]!.text.length <= size) {
      length += queue[count]!.text.length;
      count += 1;
    }
    if (count === 0) count = 1; // splitLong makes every item at most `size`; a guard against an endless loop
    const taken = queue.slice(0, count);
    const joined = taken.map((item) => item.text).join('');
    // Keep whole trailing sentences as the next chunk's overlap, always consuming at least one sentence.
    let keep = 0;
    let kept = 0;
    while (keep < count - 1 && kept + taken[count - 1 - keep]!.text.length <= overlap) {
      kept += taken[count - 1 - keep]!.text.length;
      keep += 1;
    }
    for (const item of queue.splice(0, count - keep)) queued -= item.text.length;
    const lead = joined.length - joined.trimStart().length;
    if (lead === joined.length) return { chunk: undefined, kept: keep };
    const trail = joined.length - joined.trimEnd().length;
    const start = taken[0]!.span.start + lead;
    const text = joined.slice(lead, joined.length - trail);
    const chunk: ChunkDraft = { ordinal, text, start, end: start + text.length };
    if (page !== undefined) chunk.page = page;
    ordinal += 1;
    return { chunk, kept: keep };
  }

  /** Emits what is certain: while more than `size` is queued, a full chunk can be made. At the end of a page, everything. */
  function* emit(final: boolean): Generator<ChunkDraft> {
    while (queue.length > 0 && (queued > size || final)) {
      const { chunk, kept } = take();
      if (chunk !== undefined) yield chunk;
      if (final && queue.length === kept) {
        // Only the overlap is left, already part of the chunk just made.
        queue = [];
        queued = 0;
      }
    }
  }

  function segment(final: boolean): void {
    const spans: Span[] = sentences(buffer);
    // The last sentence may go on in the next block: hold it back unless this is the end of the page.
    const hold = final ? undefined : spans.pop();
    for (const span of spans) enqueue(buffer, bufferStart, span.start, span.end);
    if (hold === undefined) {
      bufferStart += buffer.length;
      buffer = '';
      return;
    }
    let from = hold.start;
    if (hold.end - hold.start > window) {
      // A run with no sentence end (a huge line): queue all but its last size-long piece, to bound memory.
      const pieces = splitLong(buffer, hold.start, hold.end, size);
      pieces.pop();
      for (const piece of pieces) enqueue(buffer, bufferStart, piece.start, piece.end);
      from = pieces.length > 0 ? pieces[pieces.length - 1]!.end : hold.start;
    }
    bufferStart += from;
    buffer = buffer.slice(from);
  }

  for await (const block of blocks) {
    if (block.page !== page && (buffer !== '' || queue.length > 0)) {
      segment(true);
      yield* emit(true);
      queue = [];
      queued = 0;
    }
    if (block.page !== page) {
      page = block.page;
      bufferStart = block.start;
      buffer = '';
    }
    buffer += block.text;
    if (buffer.length >= window) {
      segment(false);
      yield* emit(false);
    }
  }
  segment(true);
  yield* emit(true);
}

/** A document file parsed (`parseDocument`) and chunked whole: its info and every chunk. Errors name file and place. */
export async function chunkFile(file: string, kind: SourceKind, options: ChunkOptions = {}): Promise<{ info: DocumentInfo; chunks: ChunkDraft[] }> {
  const { info, blocks } = await parseDocument(file, kind);
  const chunks: ChunkDraft[] = [];
  for await (const chunk of chunkBlocks(blocks, options)) chunks.push(chunk);
  return { info, chunks };
}
