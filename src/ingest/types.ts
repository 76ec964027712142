/** @module The ingestion contracts shared by parsers, the chunker, extractors, resolution and the pipeline. */

/**
 * Kinds of source Trellis parses. Structured kinds (csv, xlsx, json, jsonl) reach the graph only through an explicit
 * mapping (docs: mapping files); documents (txt, md, html, pdf, docx) go through chunking and extraction.
 */
export type SourceKind = 'txt' | 'md' | 'html' | 'pdf' | 'docx' | 'json' | 'jsonl' | 'csv' | 'xlsx';

/**
 * A run of a document's plain text as a parser produces it, in reading order. `start` is the offset of `text` in
 * the document's whole plain text, in UTF-16 code units (JavaScript string indices): the offsets evidence cites.
 * Blocks are contiguous: each block's `start` equals the previous block's `start + text.length`, so a parser that
 * separates blocks (paragraphs, pages) includes the separator ("\n\n") in the text it yields.
 */
export interface TextBlock {
  text: string;
  start: number;
  /** 1-based page number for paged formats (pdf; docx when it has explicit page breaks). */
  page?: number;
}

/** What a parser knows about a document besides its text. */
export interface DocumentInfo {
  kind: SourceKind;
  title?: string;
  /** Format-specific facts worth keeping on the source row (author, page count, sheet names …); JSON-safe values only. */
  metadata: Record<string, unknown>;
}

/**
 * A parsed document: its facts, and its text as a stream of blocks, so a 500-page PDF or a 1 GB text file is
 * never held in memory whole. `blocks` may be iterated once.
 */
export interface ParsedDocument {
  info: DocumentInfo;
  blocks: AsyncIterable<TextBlock>;
}

/** A row of a structured file, as a parser yields it: values as read (strings for csv, typed cells for xlsx/json). */
export interface SourceRow {
  /** The file's row number, 1-based, counting the header row of csv/xlsx as row 1 (so the first data row is 2). */
  row: number;
  /** Sheet name for xlsx; absent otherwise. */
  sheet?: string;
  values: Record<string, unknown>;
  /**
   * Set when the row could not be read in the file's shape (a ragged csv row, a jsonl line that is not a JSON object):
   * the reason, naming the place. `values` then holds what could be read. Readers yield such rows instead of throwing,
   * so a consumer can quarantine the row and go on; only damage that ends the file (a corrupt zip) throws.
   */
  error?: string;
}

/** A chunk ready to store: offsets into the document's plain text (see {@link TextBlock}). */
export interface ChunkDraft {
  ordinal: number;
  text: string;
  start: number;
  end: number;
  page?: number;
}

/** An entity mention found by an extractor. Offsets are in the chunk's text (0 = the chunk's first character). */
export interface Mention {
  /** An entity type of the extraction schema (e.g. "Person"). */
  type: string;
  /** The surface text, exactly `chunk.text.slice(start, end)`. */
  text: string;
  start: number;
  end: number;
  /** 0–1. */
  confidence: number;
  /** What found it, for explanations: "ner", "pattern:<name>", "gazetteer:<name>", "llm" … */
  rule: string;
}

/** A relation found by an extractor, between two mentions of the same chunk (indexes into `mentions`). */
export interface RelationDraft {
  /** A relation type of the extraction schema (e.g. "WORKS_FOR"). */
  type: string;
  from: number;
  to: number;
  confidence: number;
  rule: string;
  /** The passage that supports it, as offsets in the chunk's text (usually the sentence). */
  start: number;
  end: number;
  properties?: Record<string, unknown>;
}

/** What an extractor returns for one chunk. */
export interface Extraction {
  mentions: Mention[];
  relations: RelationDraft[];
}

/** An extractor: built-in (offline) or LLM-backed. Stateless per call; may batch internally. */
export interface Extractor {
  /** Recorded on every evidence row (`extractor`, `extractorVersion`). */
  readonly name: string;
  readonly version: string;
  /** Extracts from the chunks of one document; `context` carries the document's info and earlier chunks' mentions. */
  extract(chunks: readonly ChunkDraft[], context: ExtractionContext): Promise<Extraction[]>;
}

/** What an extractor may know beyond the chunk text. */
export interface ExtractionContext {
  document: DocumentInfo;
  /** The source being extracted, when the caller knows it: extractors that account usage (tokens, cost) report it per source. */
  sourceId?: string;
  /** Aborted when the ingest is cancelled or the process stops. */
  signal?: AbortSignal;
}
