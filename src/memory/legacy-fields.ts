/** @module Older clients' field names (`decision_title`, `chosen_solution`, snake_case) mapped to today's, for the deprecation headers. */
import { currentFieldNames, validation } from './kinds.js';

/** Older clients' names, mapped to today's. Besides these, the snake_case form of any camelCase field is accepted. */
const legacyNames: Record<string, string> = { decision_title: 'title', chosen_solution: 'chosen', solution_steps: 'solutionSteps' };

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

const snakeNames = new Map([...currentFieldNames].filter((name) => /[A-Z]/.test(name)).map((name) => [snakeCase(name), name]));

/** A legacy field name that was mapped, and the name it stands for. */
export interface DeprecatedField {
  legacy: string;
  current: string;
}

/**
 * Maps older clients' field names (`decision_title`, `chosen_solution`, `error_type` …) to today's; a body naming a
 * field both ways is refused. Returns the mapped body and the names it mapped (for the route's deprecation headers).
 * @example
 * mapLegacyFields({ kind: 'decision', decision_title: 'Use Postgres' }) // { body: { kind: 'decision', title: 'Use Postgres' }, mapped: [{ legacy: 'decision_title', current: 'title' }] }
 */
export function mapLegacyFields(body: Record<string, unknown>): { body: Record<string, unknown>; mapped: DeprecatedField[] } {
  const mapped: DeprecatedField[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    const current = legacyNames[key] ?? snakeNames.get(key);
    if (current === undefined) {
      out[key] = value;
      continue;
    }
    if (Object.hasOwn(body, current))
      throw validation([{ path: `body/${key}`, message: `is the deprecated name of ${current}, which the body also has; send only ${current}` }]);
    out[current] = value;
    mapped.push({ legacy: key, current });
  }
  return { body: out, mapped };
}
