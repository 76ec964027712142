/** @module HTTP route of the audit log: GET /audit (admin scope), read-only; no route changes or deletes a row. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Services } from '../../server/services.js';
import { problems } from '../schemas.js';
import { maxAuditPage } from './list.js';

const nullableString = Type.Union([Type.String(), Type.Null()]);
const identity = (description: string) => Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_.:@-]+$', description });

export const AuditQuery = Type.Object(
  {
    action: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        pattern: '^[a-z0-9_.]*\\*?$',
        description: 'An exact action (`api_key.revoked`) or a prefix ending in `*` (`api_key.*`)',
      }),
    ),
    actor: Type.Optional(identity('`kind:id` (`user:0190…`, `api_key:0190…`) or a bare actor ID')),
    target: Type.Optional(identity('`kind:id` (`entity:0190…`) or a bare target ID')),
    since: Type.Optional(Type.String({ format: 'date-time', description: 'Rows at or after this time' })),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'Rows before this time' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: maxAuditPage, default: 100 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: '`nextCursor` of the previous page' })),
  },
  { additionalProperties: false },
);

export const AuditRecordSchema = Type.Object(
  {
    id: Type.String(),
    tenantId: Type.String(),
    occurredAt: Type.String(),
    actor: Type.Object({ kind: Type.String(), id: nullableString }),
    action: Type.String(),
    target: Type.Union([Type.Object({ kind: Type.String(), id: nullableString }), Type.Null()]),
    ip: nullableString,
    userAgent: nullableString,
    requestId: nullableString,
    details: Type.Record(Type.String(), Type.Unknown()),
  },
  { title: 'AuditRecord' },
);

const AuditPageSchema = Type.Object({ items: Type.Array(AuditRecordSchema), nextCursor: nullableString }, { title: 'AuditPage' });

/** Registers GET /audit. */
export function registerAuditRoutes(app: FastifyInstance, services: Services): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  api.get(
    '/audit',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['audit'],
        summary: 'Audit log of the tenant, newest first: logins, keys, users, deletions, webhooks, schedules',
        querystring: AuditQuery,
        response: { 200: AuditPageSchema, ...problems(400, 401, 403) },
      },
    },
    async (request) => services.audit.list(request.auth.tenantId, request.query),
  );
}
