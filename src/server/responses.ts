/** @module Shared response entries for route schemas: the problem+json bodies each route can answer with. */
import { Type } from 'typebox';

const problem = Type.Unsafe<Record<string, unknown>>({ $ref: 'Problem#' });

/** The error responses of an authenticated route, plus any extra status codes given. */
export function problemResponses(...extra: number[]): Record<number, typeof problem> {
  const out: Record<number, typeof problem> = { 400: problem, 401: problem, 403: problem };
  for (const status of extra) out[status] = problem;
  return out;
}
