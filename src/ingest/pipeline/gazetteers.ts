/** @module Names from mapped dataset columns (`gazetteer: { column, type }`) added to the extraction schema's gazetteers. */
import type { GazetteerEntry as DatasetName } from '../mapping/index.js';
import type { ExtractionSchema } from '../schema.js';

/** Most dataset names added to one schema: an Aho–Corasick automaton of this many names builds in well under a second. */
export const maxDatasetNames = 200_000;

/**
 * The schema with each dataset name added to the gazetteer of its entity type, so the built-in extractor finds the
 * names a spreadsheet lists ("Widgetron 3000" as a Product) even where the recogniser would not. Names of a type the
 * schema does not have are left out (and counted); a name already in the type's gazetteer is not added twice; past
 * {@link maxDatasetNames} the rest are left out. The schema given is not changed.
 */
export function withDatasetNames(schema: ExtractionSchema, names: readonly DatasetName[]): { schema: ExtractionSchema; added: number; skipped: number } {
  const types = new Map(schema.entityTypes.map((type) => [type.name, { ...type, gazetteer: [...type.gazetteer] }]));
  const known = new Map([...types.values()].map((type) => [type.name, new Set(type.gazetteer.map((entry) => entry.name))]));
  let added = 0;
  let skipped = 0;
  for (const { type, name } of names) {
    const target = types.get(type);
    const seen = known.get(type);
    if (!target || !seen || added >= maxDatasetNames) {
      skipped++;
      continue;
    }
    if (seen.has(name)) continue;
    seen.add(name);
    target.gazetteer.push({ name, aliases: [] });
    added++;
  }
  return { schema: { ...schema, entityTypes: schema.entityTypes.map((type) => types.get(type.name)!) }, added, skipped };
}
