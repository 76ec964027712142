/** @module What an MCP tool answers: JSON text (and structured content) on success, a tool error with clear text otherwise. */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { TrellisError } from '../../core/errors.js';
import { findUnsafeText } from '../../server/text-safety.js';

/** A successful tool result: the value as JSON text (what a model reads) and as structured content (what a program reads). */
export function jsonResult(value: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value };
}

/** A tool error: the error's code and message (a validation error's message lists every field that was wrong). */
export function errorResult(error: unknown): CallToolResult {
  if (error instanceof TrellisError) return { isError: true, content: [{ type: 'text', text: `${error.code}: ${error.message}` }] };
  // Anything else is a fault of the server, not of the arguments: no internals in the answer.
  return { isError: true, content: [{ type: 'text', text: 'internal_error: the tool failed; the server log has the details' }] };
}

/** The arguments' first string no store can hold (U+0000, an unpaired surrogate) as a validation error, else null. */
export function unsafeArguments(args: unknown): TrellisError | null {
  const found = findUnsafeText(args, 'arguments');
  return found ? new TrellisError('validation_failed', `${found} contains U+0000 or an unpaired surrogate, which cannot be stored`) : null;
}

/**
 * Runs a tool's work on its arguments, turning every thrown error into a tool error (never a crash of the connection).
 * Text no store can hold is refused first, as the HTTP routes refuse it (the stdio transport has no such gate).
 */
export async function answer(args: unknown, work: () => Promise<Record<string, unknown>>): Promise<CallToolResult> {
  const unsafe = unsafeArguments(args);
  if (unsafe) return errorResult(unsafe);
  try {
    return jsonResult(await work());
  } catch (error) {
    return errorResult(error);
  }
}
