/** @module The HTTP side of rate limits: an onRequest hook after authentication, RateLimit headers, 429 problems. */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { TrellisError } from '../../core/errors.js';
import { sendProblem } from '../../server/problem.js';
import type { Services } from '../../server/services.js';
import type { AuthContext } from '../auth-context.js';
import { rateLimited } from '../observability/metrics-registry.js';
import type { RateOutcome, RatePolicy } from './gcra.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * `'expensive'` adds the stricter per-key "expensive" policy to the key and tenant policies; `false` exempts the
     * route. Unset: the key and tenant policies. Public routes are never limited (they have no identity to limit).
     */
    rateLimit?: 'expensive' | false;
  }
}

/** The policies one kind of route checks, and its precomputed `RateLimit-Policy` header. */
interface Plan {
  policies: RatePolicy[];
  /** Per policy: whether its bucket is the tenant's (else the key's or session's). */
  perTenant: boolean[];
  policyHeader: string;
}

function plan(policies: RatePolicy[], tenantPolicy: RatePolicy): Plan {
  return {
    policies,
    perTenant: policies.map((policy) => policy === tenantPolicy),
    policyHeader: policies.map((policy) => `"${policy.name}";q=${policy.burst};w=${policy.windowSeconds}`).join(', '),
  };
}

/**
 * The `RateLimit` field (draft-ietf-httpapi-ratelimit-headers-09): per policy, `r` the requests left now and `t`
 * the seconds until the whole quota is back.
 */
export function rateLimitHeader(policies: readonly RatePolicy[], outcome: RateOutcome): string {
  let header = '';
  for (let index = 0; index < policies.length; index++) {
    if (index > 0) header += ', ';
    header += `"${(policies[index] as RatePolicy).name}";r=${outcome.remaining[index] as number};t=${Math.ceil((outcome.resetMs[index] as number) / 1000)}`;
  }
  return header;
}

function idsFor(current: Plan, auth: AuthContext): string[] {
  const ids = new Array<string>(current.policies.length);
  for (let index = 0; index < ids.length; index++) ids[index] = current.perTenant[index] ? auth.tenantId : auth.actor.id;
  return ids;
}

/**
 * Installs the rate-limit hook; call right after the auth hook (hooks run in order, and the limits need the
 * identity). Does nothing when limits are off. Every limited answer carries `RateLimit-Policy` and `RateLimit`;
 * a refused one is 429 `rate_limited` with `Retry-After` in whole seconds.
 */
export function registerRateLimitHook(app: FastifyInstance, services: Services): void {
  const { limits } = services;
  if (!limits.enabled) return;
  limits.useLogger(app.log);
  const { key, tenant, expensive } = limits.policies;
  const plans = { standard: plan([key, tenant], tenant), expensive: plan([expensive, key, tenant], tenant) };

  function apply(outcome: RateOutcome | null, current: Plan, request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    if (outcome === null) {
      done();
      return;
    }
    reply.header('ratelimit-policy', current.policyHeader);
    reply.header('ratelimit', rateLimitHeader(current.policies, outcome));
    if (outcome.allowed) {
      done();
      return;
    }
    const retryAfter = Math.max(1, Math.ceil(outcome.retryAfterMs / 1000));
    const refusing = current.policies[Math.max(0, outcome.remaining.indexOf(0))] as RatePolicy;
    rateLimited.labels(refusing.name).inc();
    reply.header('retry-after', String(retryAfter));
    sendProblem(
      request,
      reply,
      'rate_limited',
      `Rate limit "${refusing.name}" exceeded (${refusing.rate} requests/s, bursts of ${refusing.burst}); retry in ${retryAfter} s`,
      { details: { policy: refusing.name, retryAfter } },
    );
  }

  app.addHook('onRequest', (request, reply, done) => {
    const auth = request.auth;
    if (auth === null || auth === undefined) {
      done();
      return;
    }
    const setting = request.routeOptions.config.rateLimit;
    if (setting === false) {
      done();
      return;
    }
    const current = setting === 'expensive' ? plans.expensive : plans.standard;
    let result: RateOutcome | Promise<RateOutcome | null>;
    try {
      result = limits.check(current.policies, idsFor(current, auth));
    } catch (error) {
      done(error as Error);
      return;
    }
    if (!(result instanceof Promise)) {
      apply(result, current, request, reply, done);
      return;
    }
    result.then(
      (outcome) => apply(outcome, current, request, reply, done),
      (error: unknown) => {
        if (error instanceof TrellisError && error.code === 'rate_limit_unavailable') reply.header('retry-after', '1');
        done(error as Error);
      },
    );
  });
}
