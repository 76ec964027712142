import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChunkDraft, Extraction, Mention } from '../types.js';
import { resolveDocument } from './document.js';

const extractor = { name: 'test', version: '1' };

/** A chunk at `start` of the document with mentions of the given names, found where they occur in `text`. */
function chunk(ordinal: number, start: number, text: string): ChunkDraft {
  return { ordinal, start, end: start + text.length, text };
}

function mentionsOf(text: string, names: string[]): Mention[] {
  return names.map((name) => {
    const at = text.indexOf(name);
    return { type: 'Person', text: name, start: at, end: at + name.length, confidence: 0.9, rule: 'ner' };
  });
}

function cooccurrence(from: number, to: number, confidence: number, weight: number, text: string) {
  return {
    type: 'CO_OCCURS_WITH',
    from,
    to,
    confidence,
    rule: 'cooccurrence:sentence',
    start: 0,
    end: text.length,
    properties: { weight, sentenceDistance: 0 },
  };
}

describe('resolveDocument', () => {
  it('cites co-occurrence once per entity pair and document, at the most confident meeting, with the weights added', () => {
    const texts = ['Ann Lee met Bob Ray.', 'Later Bob Ray and Ann Lee talked.', 'Ann Lee and Cid Vo left.'];
    let at = 0;
    const chunks = texts.map((text, index) => {
      const made = chunk(index, at, text);
      at += text.length + 1;
      return made;
    });
    const extractions: Extraction[] = [
      { mentions: mentionsOf(texts[0]!, ['Ann Lee', 'Bob Ray']), relations: [cooccurrence(0, 1, 0.5, 1, texts[0]!)] },
      { mentions: mentionsOf(texts[1]!, ['Bob Ray', 'Ann Lee']), relations: [cooccurrence(0, 1, 0.7, 2, texts[1]!)] },
      { mentions: mentionsOf(texts[2]!, ['Ann Lee', 'Cid Vo']), relations: [cooccurrence(0, 1, 0.6, 1, texts[2]!)] },
    ];
    const prepared = resolveDocument({ kind: 'txt', metadata: {} }, chunks, extractions, extractor);
    assert.equal(prepared.entities.length, 3);
    assert.deepEqual(
      prepared.relations.map((list) => list.length),
      [0, 1, 1],
      'the Ann–Bob pair is cited once, in the second chunk (confidence 0.7); Ann–Cid in the third',
    );
    const annBob = prepared.relations[1]![0]!;
    assert.equal(annBob.draft.confidence, 0.7);
    assert.equal(annBob.draft.properties?.weight, 3);
    assert.deepEqual(new Set([prepared.entities[annBob.from]!.name, prepared.entities[annBob.to]!.name]), new Set(['Ann Lee', 'Bob Ray']));
  });

  it('keeps pattern relations once per place, though chunk overlap repeats them', () => {
    const text = 'Ann Lee works for Acme.';
    const mentions: Mention[] = [
      { type: 'Person', text: 'Ann Lee', start: 0, end: 7, confidence: 0.9, rule: 'ner' },
      { type: 'Organization', text: 'Acme', start: 18, end: 22, confidence: 0.9, rule: 'ner' },
    ];
    const relation = { type: 'WORKS_FOR', from: 0, to: 1, confidence: 0.8, rule: 'pattern:works-for', start: 0, end: text.length };
    // The second chunk starts with the same sentence (overlap): same offsets in the document.
    const chunks = [chunk(0, 0, text), chunk(1, 0, text)];
    const prepared = resolveDocument(
      { kind: 'txt', metadata: {} },
      chunks,
      [
        { mentions, relations: [relation] },
        { mentions, relations: [relation] },
      ],
      extractor,
    );
    assert.deepEqual(
      prepared.relations.map((list) => list.length),
      [1, 0],
    );
    assert.deepEqual(
      prepared.mentions.map((list) => list.length),
      [2, 0],
    );
  });

  it('explains every merge other than an identical name: the name, the entity it joined, the rule and the score', () => {
    const text = 'Barack Obama spoke. Obama left. Barack Obama returned.';
    const mentions: Mention[] = ['Barack Obama', 'Obama'].map((name) => {
      const at = text.indexOf(name === 'Obama' ? 'Obama left' : name);
      return { type: 'Person', text: name, start: at, end: at + name.length, confidence: 0.9, rule: 'ner' };
    });
    const last = text.lastIndexOf('Barack Obama');
    mentions.push({ type: 'Person', text: 'Barack Obama', start: last, end: last + 12, confidence: 0.9, rule: 'ner' });
    const prepared = resolveDocument({ kind: 'txt', metadata: {} }, [chunk(0, 0, text)], [{ mentions, relations: [] }], extractor);
    assert.equal(prepared.entities.length, 1);
    assert.deepEqual(prepared.merges, [{ type: 'Person', name: 'Obama', joined: 'Barack Obama', rule: 'partial-name', score: 0.9 }]);
  });
});
