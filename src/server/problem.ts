/** @module Errors as application/problem+json (RFC 9457), from the one catalogue, for every failure the server reports. */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { TrellisError, errorCatalogue, problemType, type ErrorCode } from '../core/errors.js';

/** The problem+json body every error response carries. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'URI naming the error code' }),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String({ description: 'Stable error code from the catalogue' }),
    detail: Type.String(),
    instance: Type.Optional(Type.String({ description: 'The request ID' })),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: 'Problem', title: 'Problem' },
);

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

function validationIssues(error: FastifyError): { path: string; message: string }[] {
  const issues = (error.validation ?? []) as ValidationIssue[];
  const context = (error as FastifyError & { validationContext?: string }).validationContext ?? 'body';
  return issues.map((issue) => {
    let path = `${context}${issue.instancePath ?? ''}`;
    let message = issue.message ?? 'is invalid';
    if (issue.params && typeof issue.params.additionalProperty === 'string') {
      path = `${path}/${issue.params.additionalProperty}`;
      message = 'is not an allowed field';
    }
    if (issue.params && typeof issue.params.missingProperty === 'string') {
      path = `${path}/${issue.params.missingProperty}`;
      message = 'is required';
    }
    return { path, message };
  });
}

/** Maps any thrown value to a catalogue code, a detail message and extra fields. */
export function toProblem(error: unknown): { code: ErrorCode; detail: string; extra: Record<string, unknown> } {
  if (error instanceof TrellisError) {
    if (error.code === 'validation_failed' && Array.isArray(error.details?.errors))
      return { code: error.code, detail: error.message, extra: { errors: error.details.errors } };
    return { code: error.code, detail: error.message, extra: error.details ? { details: error.details } : {} };
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const errors = validationIssues(fastifyError);
    const detail = errors.map((issue) => `${issue.path} ${issue.message}`).join('; ');
    return { code: 'validation_failed', detail, extra: { errors } };
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'payload_too_large', detail: fastifyError.message, extra: {} };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { code: 'unsupported_media_type', detail: fastifyError.message, extra: {} };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { code: 'invalid_json', detail: fastifyError.message, extra: {} };
  }
  if (error instanceof SyntaxError && fastifyError.statusCode === 400) {
    return { code: 'invalid_json', detail: error.message, extra: {} };
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const match = (Object.entries(errorCatalogue) as [ErrorCode, { status: number }][]).find(([, definition]) => definition.status === status);
    return { code: match?.[0] ?? 'bad_request', detail: fastifyError.message, extra: {} };
  }
  return { code: 'internal', detail: 'An unexpected error occurred; the request ID identifies it in the server log', extra: {} };
}

/** Sends a problem+json reply for a code. */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, code: ErrorCode, detail: string, extra: Record<string, unknown> = {}): FastifyReply {
  const definition = errorCatalogue[code];
  return reply
    .code(definition.status)
    .header('x-request-id', request.id)
    .type('application/problem+json')
    .send({ type: problemType(code), title: definition.title, status: definition.status, code, detail, instance: request.id, ...extra });
}

/** Installs the error and not-found handlers. */
export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error);
    if (problem.code === 'internal' || problem.code === 'store_unavailable') {
      request.log.error({ err: error, tenantId: request.auth?.tenantId }, 'request failed');
    } else {
      request.log.info({ code: problem.code, detail: problem.detail, tenantId: request.auth?.tenantId }, 'request rejected');
    }
    if (problem.code === 'rate_limited' || problem.code === 'store_unavailable') {
      // An error that knows when to come back says so in details.retryAfterSeconds (login lockouts); otherwise 1 s.
      const retryAfter = (problem.extra.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
      reply.header('retry-after', typeof retryAfter === 'number' && retryAfter > 0 ? String(Math.ceil(retryAfter)) : '1');
    }
    return sendProblem(request, reply, problem.code, problem.detail, problem.extra);
  });
  app.setNotFoundHandler((request, reply) => sendProblem(request, reply, 'route_not_found', `No route ${request.method} ${request.url.split('?')[0]}`));
}

/**
 * Fastify's `frameworkErrors` option: routing failures that happen before any hook (a malformed URL
 * escape, a path parameter over the length limit) answer problem+json like every other error.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return sendProblem(request, reply, 'uri_too_long', error.message);
  return sendProblem(request, reply, 'bad_request', error.message);
}
