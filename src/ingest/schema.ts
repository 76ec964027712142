/** @module The extraction schema: entity and relation types with patterns and gazetteers, loaded from YAML and validated. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LineCounter, isMap, isSeq, parseDocument, type Document } from 'yaml';
import { TrellisError } from '../core/errors.js';

/** Labels of the built-in named-entity recogniser that a schema type can take in. */
export const nerLabels = ['person', 'organization', 'place', 'date', 'money', 'quantity', 'event', 'misc'] as const;
/** A label of the built-in recogniser. */
export type NerLabel = (typeof nerLabels)[number];

/** A regular expression that finds mentions of an entity type in text. */
export interface EntityPattern {
  /** Recorded as the rule `pattern:<name>`. */
  name: string;
  /** JavaScript regular expression source. */
  regex: string;
  /** Extra flags besides `g` (always on), e.g. "i". @default "u" */
  flags: string;
  /** Capture group holding the mention; 0 is the whole match. @default 0 */
  group: number;
  /** @default 0.9 */
  confidence: number;
}

/** A known entity: its name and the other names it goes by. */
export interface GazetteerEntry {
  name: string;
  aliases: string[];
}

/** An entity type of the schema. */
export interface EntityTypeDef {
  /** e.g. "Person"; unique in the schema. */
  name: string;
  description: string;
  /** Recogniser labels that become this type (a label feeds at most one type). */
  ner: NerLabel[];
  patterns: EntityPattern[];
  gazetteer: GazetteerEntry[];
  /** Whether gazetteer names match regardless of case. @default false */
  gazetteerIgnoreCase: boolean;
}

/** A regular expression over the text between two mentions in one sentence that signals a relation. */
export interface RelationPattern {
  name: string;
  /** Must match the whole text between the two mentions (anchors are added). */
  between: string;
  flags: string;
  /** true when the `to` mention comes first in the text ("Acme's chief, Jane Smith"). @default false */
  reverse: boolean;
  /** @default 0.8 */
  confidence: number;
}

/** Co-occurrence as a weighted relation: mentions within `sentences` sentences of each other. */
export interface CooccurrenceDef {
  /** 1 = the same sentence; 0 = anywhere in the chunk. @default 0 */
  sentences: number;
  /** Confidence of a same-sentence pair; pairs farther apart get less. @default 0.5 */
  confidence: number;
}

/** A relation type of the schema. */
export interface RelationTypeDef {
  /** e.g. "WORKS_FOR"; unique in the schema. */
  name: string;
  description: string;
  /** Entity types allowed at each end; empty means any. */
  from: string[];
  to: string[];
  symmetric: boolean;
  patterns: RelationPattern[];
  /** Present when this type records co-occurrence rather than a stated fact. */
  cooccurrence?: CooccurrenceDef;
}

/** A validated extraction schema: what the built-in and LLM extractors look for. Plain data (worker-safe). */
export interface ExtractionSchema {
  version: 1;
  entityTypes: EntityTypeDef[];
  relationTypes: RelationTypeDef[];
}

/** One problem found in a schema file, with its place. */
export interface SchemaProblem {
  message: string;
  /** Path in the document, e.g. "relations.WORKS_FOR.from[0]". */
  path: string;
  /** 1-based; 0 when unknown. */
  line: number;
  column: number;
}

const typeName = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * Parses and validates a schema held in a string. Throws `schema_invalid` listing every problem as
 * `file:line:column: message`; `details.problems` holds them as data.
 * @example
 * parseSchema('entities:\n  Person: { description: A human being, ner: [person] }\n', 'my-schema.yaml')
 */
export function parseSchema(text: string, file = '<schema>'): ExtractionSchema {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true });
  const problems: SchemaProblem[] = [];
  for (const error of document.errors) {
    const [line, column] = [error.linePos?.[0].line ?? 0, error.linePos?.[0].col ?? 0];
    // prettyErrors appends " at line L, column C:" and a source excerpt; the place is printed in front instead.
    const message = (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '');
    problems.push({ message, path: '', line, column });
  }
  if (problems.length === 0) {
    const schema = new Validator(document, lineCounter, problems).schema();
    if (problems.length === 0) return schema;
  }
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  const listing = problems.map((problem) => `${file}:${problem.line}:${problem.column}: ${problem.message}`);
  throw new TrellisError('schema_invalid', `Extraction schema ${file} is not valid:\n${listing.join('\n')}`, {
    file,
    problems,
  });
}

/** Reads, parses and validates a schema file (see {@link parseSchema}). */
export function loadSchema(file: string): ExtractionSchema {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new TrellisError('schema_invalid', `Extraction schema ${file} cannot be read: ${(error as Error).message}`, {
      file,
    });
  }
  return parseSchema(text, file);
}

let cachedDefault: ExtractionSchema | undefined;

/** The schema shipped with Trellis (`src/ingest/default-schema.yaml`): people, organisations, places, dates … */
export function defaultSchema(): ExtractionSchema {
  cachedDefault ??= loadSchema(fileURLToPath(new URL('./default-schema.yaml', import.meta.url)));
  return structuredClone(cachedDefault);
}

/** Walks the parsed YAML, building the schema and recording every problem with its line and column. */
class Validator {
  constructor(
    private readonly document: Document,
    private readonly lineCounter: LineCounter,
    private readonly problems: SchemaProblem[],
  ) {}

  schema(): ExtractionSchema {
    const root = this.document.toJS() as unknown;
    if (!isRecord(root)) {
      this.problem([], 'the schema must be a mapping with "entities" (and optionally "relations")');
      return { version: 1, entityTypes: [], relationTypes: [] };
    }
    this.allowedKeys(root, [], ['version', 'entities', 'relations']);
    if (root.version !== undefined && root.version !== 1) this.problem(['version'], 'version must be 1');
    const entities = root.entities;
    const entityTypes: EntityTypeDef[] = [];
    if (!isRecord(entities) || Object.keys(entities).length === 0) {
      this.problem(root.entities === undefined ? [] : ['entities'], '"entities" must map type names to definitions');
    } else {
      for (const [name, body] of Object.entries(entities)) entityTypes.push(this.entityType(name, body));
    }
    const known = new Set(entityTypes.map((type) => type.name));
    const nerOwners = new Map<string, string>();
    for (const type of entityTypes) {
      type.ner.forEach((label, index) => {
        const owner = nerOwners.get(label);
        if (owner) this.problem(['entities', type.name, 'ner', index], `ner label "${label}" is already used by ${owner}`);
        nerOwners.set(label, type.name);
      });
    }
    const relationTypes: RelationTypeDef[] = [];
    if (root.relations !== undefined) {
      if (!isRecord(root.relations)) this.problem(['relations'], '"relations" must map relation names to definitions');
      else for (const [name, body] of Object.entries(root.relations)) relationTypes.push(this.relationType(name, body, known));
    }
    return { version: 1, entityTypes, relationTypes };
  }

  private entityType(name: string, body: unknown): EntityTypeDef {
    const at = ['entities', name];
    if (!typeName.test(name)) this.problem(at, `entity type name "${name}" must be a letter then letters, digits or _`);
    const def: EntityTypeDef = {
      name,
      description: '',
      ner: [],
      patterns: [],
      gazetteer: [],
      gazetteerIgnoreCase: false,
    };
    if (!isRecord(body)) {
      this.problem(at, `entity type ${name} must be a mapping with at least a description`);
      return def;
    }
    this.allowedKeys(body, at, ['description', 'ner', 'patterns', 'gazetteer', 'gazetteerIgnoreCase']);
    def.description = this.string(body.description, [...at, 'description'], true) ?? '';
    def.gazetteerIgnoreCase = this.boolean(body.gazetteerIgnoreCase, [...at, 'gazetteerIgnoreCase'], false);
    this.list(body.ner, [...at, 'ner']).forEach((label, index) => {
      if (nerLabels.includes(label as NerLabel)) def.ner.push(label as NerLabel);
      else this.problem([...at, 'ner', index], `unknown ner label ${JSON.stringify(label)}; use one of ${nerLabels.join(', ')}`);
    });
    this.list(body.patterns, [...at, 'patterns']).forEach((raw, index) => {
      const where = [...at, 'patterns', index];
      if (!isRecord(raw)) return this.problem(where, 'a pattern must be a mapping with name and regex');
      this.allowedKeys(raw, where, ['name', 'regex', 'flags', 'group', 'confidence']);
      const pattern: EntityPattern = {
        name: this.string(raw.name, [...where, 'name'], true) ?? '',
        regex: this.string(raw.regex, [...where, 'regex'], true) ?? '',
        flags: this.string(raw.flags, [...where, 'flags'], false) ?? 'u',
        group: this.number(raw.group, [...where, 'group'], 0, 0, 99),
        confidence: this.number(raw.confidence, [...where, 'confidence'], 0.9, 0, 1),
      };
      this.regex(pattern.regex, pattern.flags, [...where, 'regex']);
      def.patterns.push(pattern);
    });
    this.list(body.gazetteer, [...at, 'gazetteer']).forEach((raw, index) => {
      const where = [...at, 'gazetteer', index];
      if (typeof raw === 'string' && raw.trim()) return def.gazetteer.push({ name: raw.trim(), aliases: [] });
      if (isRecord(raw) && typeof raw.name === 'string' && raw.name.trim()) {
        this.allowedKeys(raw, where, ['name', 'aliases']);
        const aliases = this.list(raw.aliases, [...where, 'aliases']).filter((alias, aliasIndex) => {
          if (typeof alias === 'string' && alias.trim()) return true;
          this.problem([...where, 'aliases', aliasIndex], 'an alias must be a non-empty string');
          return false;
        }) as string[];
        return def.gazetteer.push({ name: raw.name.trim(), aliases: aliases.map((alias) => alias.trim()) });
      }
      this.problem(where, 'a gazetteer entry must be a name or a mapping with name (and aliases)');
    });
    return def;
  }

  private relationType(name: string, body: unknown, known: Set<string>): RelationTypeDef {
    const at = ['relations', name];
    if (!typeName.test(name)) this.problem(at, `relation type name "${name}" must be a letter then letters, digits or _`);
    const def: RelationTypeDef = { name, description: '', from: [], to: [], symmetric: false, patterns: [] };
    if (!isRecord(body)) {
      this.problem(at, `relation type ${name} must be a mapping with at least a description`);
      return def;
    }
    this.allowedKeys(body, at, ['description', 'from', 'to', 'symmetric', 'patterns', 'cooccurrence']);
    def.description = this.string(body.description, [...at, 'description'], true) ?? '';
    def.symmetric = this.boolean(body.symmetric, [...at, 'symmetric'], false);
    for (const end of ['from', 'to'] as const) {
      const raw = typeof body[end] === 'string' ? [body[end]] : body[end];
      this.list(raw, [...at, end]).forEach((ref, index) => {
        const where = typeof body[end] === 'string' ? [...at, end] : [...at, end, index];
        if (typeof ref === 'string' && known.has(ref)) def[end].push(ref);
        else this.problem(where, `${end} refers to unknown entity type ${JSON.stringify(ref)}; known: ${[...known].join(', ')}`);
      });
    }
    this.list(body.patterns, [...at, 'patterns']).forEach((raw, index) => {
      const where = [...at, 'patterns', index];
      if (!isRecord(raw)) return this.problem(where, 'a relation pattern must be a mapping with name and between');
      this.allowedKeys(raw, where, ['name', 'between', 'flags', 'reverse', 'confidence']);
      const pattern: RelationPattern = {
        name: this.string(raw.name, [...where, 'name'], true) ?? '',
        between: this.string(raw.between, [...where, 'between'], true) ?? '',
        flags: this.string(raw.flags, [...where, 'flags'], false) ?? 'iu',
        reverse: this.boolean(raw.reverse, [...where, 'reverse'], false),
        confidence: this.number(raw.confidence, [...where, 'confidence'], 0.8, 0, 1),
      };
      this.regex(pattern.between, pattern.flags, [...where, 'between']);
      def.patterns.push(pattern);
    });
    if (body.cooccurrence !== undefined) {
      const where = [...at, 'cooccurrence'];
      const raw = body.cooccurrence === true ? {} : body.cooccurrence;
      if (!isRecord(raw)) this.problem(where, 'cooccurrence must be true or a mapping with sentences and confidence');
      else {
        this.allowedKeys(raw, where, ['sentences', 'confidence']);
        def.cooccurrence = {
          sentences: this.number(raw.sentences, [...where, 'sentences'], 0, 0, 1000),
          confidence: this.number(raw.confidence, [...where, 'confidence'], 0.5, 0, 1),
        };
      }
    }
    return def;
  }

  private regex(source: string, flags: string, at: (string | number)[]): void {
    if (/[gy]/.test(flags)) this.problem(at, 'flags g and y are set by the extractor; leave them out');
    try {
      new RegExp(source, flags.replace(/[gy]/g, ''));
    } catch (error) {
      this.problem(at, `invalid regular expression: ${(error as Error).message}`);
    }
  }

  private list(value: unknown, at: (string | number)[]): unknown[] {
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return value;
    this.problem(at, 'must be a list');
    return [];
  }

  private string(value: unknown, at: (string | number)[], required: boolean): string | undefined {
    if (value === undefined || value === null) {
      if (required) this.problem(at.slice(0, -1), `missing "${String(at[at.length - 1])}"`, true);
      return undefined;
    }
    if (typeof value === 'string' && value.trim() !== '') return value;
    this.problem(at, 'must be a non-empty string');
    return undefined;
  }

  private number(value: unknown, at: (string | number)[], fallback: number, min: number, max: number): number {
    if (value === undefined) return fallback;
    if (typeof value === 'number' && value >= min && value <= max) return value;
    this.problem(at, `must be a number from ${min} to ${max}`);
    return fallback;
  }

  private boolean(value: unknown, at: (string | number)[], fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value === 'boolean') return value;
    this.problem(at, 'must be true or false');
    return fallback;
  }

  private allowedKeys(body: Record<string, unknown>, at: (string | number)[], allowed: string[]): void {
    for (const key of Object.keys(body)) if (!allowed.includes(key)) this.problem([...at, key], `unknown key "${key}"; allowed: ${allowed.join(', ')}`, true);
  }

  /** Records a problem at the node of `at` (its key for a mapping entry's name, so the line is the one to edit). */
  private problem(at: (string | number)[], message: string, atKey = false): void {
    let offset: number | undefined;
    const node = at.length === 0 ? this.document.contents : this.document.getIn(at, true);
    if (atKey || node === undefined) offset = this.keyOffset(at);
    offset ??= (node as { range?: [number, number, number] } | undefined)?.range?.[0];
    const place = offset === undefined ? { line: 0, col: 0 } : this.lineCounter.linePos(offset);
    this.problems.push({ message, path: formatPath(at), line: place.line, column: place.col });
  }

  private keyOffset(at: (string | number)[]): number | undefined {
    const parent = at.length <= 1 ? this.document.contents : this.document.getIn(at.slice(0, -1), true);
    const last = at[at.length - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((item) => (item.key as { value?: unknown } | null)?.value === last);
      return (pair?.key as { range?: [number, number, number] } | undefined)?.range?.[0];
    }
    if (isSeq(parent) && typeof last === 'number') {
      return (parent.items[last] as { range?: [number, number, number] } | undefined)?.range?.[0];
    }
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function formatPath(at: (string | number)[]): string {
  return at.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? part : `.${part}`)).join('');
}
