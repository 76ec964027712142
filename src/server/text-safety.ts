/** @module Text every store can hold: strings with U+0000 or unpaired surrogates are refused at the door with a 400. */
import type { FastifyInstance } from 'fastify';
import { TrellisError } from '../core/errors.js';

/**
 * The path of the first string in `value` (keys included) that PostgreSQL cannot store — one containing
 * U+0000 or an unpaired UTF-16 surrogate — or null. SQLite would take them; refusing them everywhere keeps
 * both drivers answering the same.
 */
export function findUnsafeText(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\u0000') || !value.isWellFormed() ? path : null;
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = findUnsafeText(value[index], `${path}/${index}`);
      if (found) return found;
    }
    return null;
  }
  for (const [key, item] of Object.entries(value)) {
    const found = findUnsafeText(key, `${path}/${key}`) ?? findUnsafeText(item, `${path}/${key}`);
    if (found) return found;
  }
  return null;
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
