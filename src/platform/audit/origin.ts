/** @module The audit facts of an HTTP request: who acted (from `request.auth`) and where from (IP, user agent, request ID). */
import type { FastifyRequest } from 'fastify';
import type { AuthContext } from '../auth-context.js';
import type { AuditActor, AuditOrigin } from './record.js';

/** The actor of an authenticated identity; the operator (CLI) when there is none. */
export function auditActor(auth: AuthContext | undefined | null): AuditActor {
  if (!auth) return { kind: 'operator', id: null };
  return { kind: auth.actor.kind, id: auth.actor.id };
}

/** Where a request came from. The IP is Fastify's `request.ip` (the socket peer unless `trustProxy` is set). */
export function auditOrigin(request: FastifyRequest): AuditOrigin {
  const userAgent = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof userAgent === 'string' ? userAgent : null, requestId: request.id };
}
