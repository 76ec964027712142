/** @module CLI output: human tables by default, JSON with --json, and errors with the catalogue's hint and an exit code. */
import { TrellisError } from '../core/errors.js';

/** Exit codes: 0 ok, 1 failure, 2 bad usage or input, 3 not found, 4 store unavailable or check failed, 5 access denied (a server's 401 or 403). */
export const exitCodes = { ok: 0, failure: 1, usage: 2, notFound: 3, unavailable: 4, denied: 5 } as const;

/** Prints a value as JSON or through a human formatter. */
export function emit(json: boolean, value: unknown, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}

/** A `--limit` flag's value: an integer from 1 to `max`, or a bad_request naming the flag, its range and the value. */
export function limitFlag(value: string, max: number): number {
  const limit = Number(value);
  if (!/^\d+$/.test(value) || limit < 1 || limit > max)
    throw new TrellisError('bad_request', `--limit must be an integer from 1 to ${max}; got ${JSON.stringify(value)}`);
  return limit;
}

/** A plain text table with a header row. */
export function table(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = [headers, ...rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? '-' : String(cell))))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  return cells
    .map((row) =>
      row
        .map((cell, column) => (cell ?? '').padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Prints an error (with what to do about it) and returns the exit code it maps to. */
export function reportError(error: unknown, json: boolean): number {
  const trellis = error instanceof TrellisError ? error : null;
  const code = trellis?.code ?? 'internal';
  const message = error instanceof Error ? error.message : String(error);
  if (json) {
    process.stderr.write(`${JSON.stringify({ error: { code, message, hint: trellis?.hint, details: trellis?.details } })}\n`);
  } else {
    process.stderr.write(`error: ${message}\n`);
    if (trellis?.hint) process.stderr.write(`hint: ${trellis.hint}\n`);
  }
  if (!trellis) return exitCodes.failure;
  if (trellis.status === 404) return exitCodes.notFound;
  if (trellis.status === 401 || trellis.status === 403) return exitCodes.denied;
  if (trellis.code === 'store_unavailable') return exitCodes.unavailable;
  if (trellis.status >= 400 && trellis.status < 500) return exitCodes.usage;
  if (trellis.code === 'config_invalid') return exitCodes.usage;
  return exitCodes.failure;
}
