/** @module Text every store can hold: strings with U+0000 or unpaired surrogates are refused at the door with a 400. */
import type { FastifyInstance } from 'fastify';
import { TrellisError } from '../core/errors.js';

/**
 * The path of the first string in `value` (keys included) that PostgreSQL cannot store — one containing
 * U+0000 or an unpaired UTF-16 surrogate — or null. SQLite would take them; refusing them everywhere keeps
 * both drivers answering the same.
 */
export function findUnsafeText(value: unknown, path: string): string | null {
  if (typeof value === 'string') return unsafe(value) ? path : null;
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = findUnsafeText(value[index], `${path}/${index}`);
      if (found) return found;
    }
    return null;
  }
  // for…in over own keys: no entries array per object (this runs on every request's params and query string).
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (unsafe(key)) return `${path}/${key}`;
    const item = (value as Record<string, unknown>)[key];
    if (typeof item === 'string') {
      if (unsafe(item)) return `${path}/${key}`;
    } else if (item !== null && typeof item === 'object') {
      const found = findUnsafeText(item, `${path}/${key}`);
      if (found) return found;
    }
  }
  return null;
}

function unsafe(text: string): boolean {
  return text.includes('\u0000') || !text.isWellFormed();
}

/** Checks body, query string and path parameters before validation. */
export function registerTextSafety(app: FastifyInstance): void {
  app.addHook('preValidation', (request, _reply, done) => {
    const found = findUnsafeText(request.params, 'params') ?? findUnsafeText(request.query, 'querystring') ?? findUnsafeText(request.body, 'body');
    if (!found) return done();
    done(
      new TrellisError('validation_failed', `${found} contains U+0000 or an unpaired surrogate, which cannot be stored`, {
        errors: [{ path: found, message: 'contains U+0000 or an unpaired surrogate' }],
      }),
    );
  });
}
