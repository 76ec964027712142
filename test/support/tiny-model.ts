/**
 * @module Test helper: writes a tiny transformers.js model folder by hand — a BERT-style WordPiece tokenizer and an ONNX
 * graph that is one Gather from a fixed embedding table — so the local-model embedder can be checked without a
 * download. Its mean-pooled output is computable by hand ({@link expectedVector}).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The vocabulary: special tokens first, then words. */
export const tinyVocabulary = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'the', 'cat', 'sat', 'on', 'mat', 'dog', 'ran', 'far', '##s'];
/** Width of the embedding table (the model's hidden size). */
export const tinyHidden = 8;

/** Row `id` of the embedding table: fixed, distinct values. */
export function tinyRow(id: number): number[] {
  return Array.from({ length: tinyHidden }, (_, column) => Math.sin(id * 1.7 + column * 0.9) + (column === id % tinyHidden ? 1 : 0));
}

/** What the model answers for token IDs, mean-pooled and normalised (what a feature-extraction pipeline computes). */
export function expectedVector(ids: readonly number[]): Float32Array {
  const sum = new Array<number>(tinyHidden).fill(0);
  for (const id of ids) tinyRow(id).forEach((value, column) => (sum[column]! += Math.fround(value)));
  const mean = sum.map((value) => value / ids.length);
  const norm = Math.hypot(...mean);
  return Float32Array.from(mean.map((value) => value / norm));
}

// Protocol-buffer encoding, enough for an ONNX ModelProto.
const varint = (value: number): number[] => {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return out;
};
const field = (number: number, wire: number) => varint(number * 8 + wire);
const integer = (number: number, value: number) => [...field(number, 0), ...varint(value)];
const bytes = (number: number, value: Uint8Array | number[]) => [...field(number, 2), ...varint(value.length), ...value];
const text = (number: number, value: string) => bytes(number, [...Buffer.from(value, 'utf8')]);

function tensorType(elementType: number, dims: string[]): number[] {
  const shape = dims.flatMap((dim) => bytes(1, text(2, dim)));
  return bytes(1, [...integer(1, elementType), ...bytes(2, shape)]);
}

/** The ONNX model: `last_hidden_state = Gather(table, input_ids)`. */
function onnxModel(): Buffer {
  const table = new Float32Array(tinyVocabulary.flatMap((_, id) => tinyRow(id)));
  const initializer = [
    ...integer(1, tinyVocabulary.length),
    ...integer(1, tinyHidden),
    ...integer(2, 1),
    ...text(8, 'table'),
    ...bytes(9, new Uint8Array(table.buffer)),
  ];
  const node = [...text(1, 'table'), ...text(1, 'input_ids'), ...text(2, 'last_hidden_state'), ...text(3, 'gather'), ...text(4, 'Gather')];
  const input = [...text(1, 'input_ids'), ...bytes(2, tensorType(7, ['batch', 'sequence']))];
  const output = [...text(1, 'last_hidden_state'), ...bytes(2, tensorType(1, ['batch', 'sequence', 'hidden']))];
  const graph = [...bytes(1, node), ...text(2, 'tiny'), ...bytes(5, initializer), ...bytes(11, input), ...bytes(12, output)];
  return Buffer.from([...integer(1, 8), ...text(2, 'trellis-test'), ...bytes(7, graph), ...bytes(8, integer(2, 13))]);
}

/** Writes the model folder (config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx) under `folder`. */
export function writeTinyModel(folder: string): void {
  mkdirSync(path.join(folder, 'onnx'), { recursive: true });
  writeFileSync(
    path.join(folder, 'config.json'),
    JSON.stringify({ model_type: 'bert', architectures: ['BertModel'], hidden_size: tinyHidden, vocab_size: tinyVocabulary.length }),
  );
  const special = (content: string) => ({
    id: tinyVocabulary.indexOf(content),
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]'].map(special),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] } },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(tinyVocabulary.map((token, id) => [token, id])),
    },
  };
  writeFileSync(path.join(folder, 'tokenizer.json'), JSON.stringify(tokenizer));
  writeFileSync(
    path.join(folder, 'tokenizer_config.json'),
    JSON.stringify({
      tokenizer_class: 'BertTokenizer',
      model_max_length: 512,
      do_lower_case: true,
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      cls_token: '[CLS]',
      sep_token: '[SEP]',
    }),
  );
  writeFileSync(path.join(folder, 'onnx', 'model.onnx'), onnxModel());
}
