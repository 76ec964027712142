/** @module Request logging: one pino line per request, written when it completes, carrying the tenant. */
import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';

/**
 * Replaces Fastify's two lines per request (received, completed) with one at completion: method, URL, status,
 * response time and, once authenticated, the tenant. Profiling showed per-request logging at 11 % of an
 * authenticated read, a third of it in creating a child logger per request to carry the tenant.
 */
export class RequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
    const fields = {
      method: request.method,
      url: request.url,
      statusCode: reply.statusCode,
      responseTime: reply.elapsedTime,
      tenantId: request.auth?.tenantId,
    };
    if (error) reply.log.error({ ...fields, err: error }, 'request errored');
    else reply.log.info(fields, 'request completed');
  }
}
