/** @module HTTP routes of the job queue and cron schedules, scoped to the caller's tenant (read scope to look, admin to change). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { IdParams, NoContent, problems } from '../schemas.js';
import {
  CreateScheduleBody,
  JobListQuery,
  JobPageSchema,
  JobSchema,
  ScheduleListQuery,
  SchedulePageSchema,
  ScheduleSchema,
  TriggeredSchema,
  UpdateScheduleBody,
} from './schemas.js';
import type { JobService } from './service.js';

/**
 * Registers /jobs and /schedules. Jobs cannot be created over HTTP (a job type runs code with the server's
 * rights); a schedule may only name a registered type.
 */
export function registerJobRoutes(app: FastifyInstance, jobs: JobService): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['jobs'];

  api.get(
    '/jobs',
    {
      config: { access: 'read' },
      schema: { tags, summary: 'Jobs of the tenant, newest first', querystring: JobListQuery, response: { 200: JobPageSchema, ...problems(400, 401, 403) } },
    },
    async (request) => jobs.list({ tenantId: request.auth.tenantId, ...request.query }),
  );

  api.get(
    '/jobs/:id',
    { config: { access: 'read' }, schema: { tags, summary: 'One job', params: IdParams, response: { 200: JobSchema, ...problems(400, 401, 403, 404) } } },
    async (request) => jobs.get(request.params.id, request.auth.tenantId),
  );

  api.post(
    '/jobs/:id/cancel',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Cancel a job: a queued or failed one at once, a running one through its abort signal (cancelRequested until it stops)',
        params: IdParams,
        response: { 200: JobSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => jobs.cancel(request.params.id, request.auth.tenantId),
  );

  api.post(
    '/jobs/:id/retry',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Run a dead or failed job again now, with a fresh attempt budget',
        params: IdParams,
        response: { 200: JobSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => jobs.retry(request.params.id, request.auth.tenantId),
  );

  const scheduleTags = ['schedules'];
  api.get(
    '/schedules',
    {
      config: { access: 'read' },
      schema: {
        tags: scheduleTags,
        summary: 'Cron schedules of the tenant',
        querystring: ScheduleListQuery,
        response: { 200: SchedulePageSchema, ...problems(400, 401, 403) },
      },
    },
    async (request) => jobs.schedules.list(request.auth.tenantId, request.query),
  );

  api.post(
    '/schedules',
    {
      config: { access: 'admin' },
      schema: {
        tags: scheduleTags,
        summary: 'Create a cron schedule of a registered job type',
        body: CreateScheduleBody,
        response: { 201: ScheduleSchema, ...problems(400, 401, 403, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const schedule = await jobs.schedules.create(request.auth.tenantId, request.body);
      return reply.code(201).header('location', `/schedules/${schedule.id}`).send(schedule);
    },
  );

  api.get(
    '/schedules/:id',
    {
      config: { access: 'read' },
      schema: { tags: scheduleTags, summary: 'One schedule', params: IdParams, response: { 200: ScheduleSchema, ...problems(400, 401, 403, 404) } },
    },
    async (request) => jobs.schedules.get(request.params.id, request.auth.tenantId),
  );

  api.patch(
    '/schedules/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: scheduleTags,
        summary: 'Change a schedule; a new expression or time zone recomputes the next slot',
        params: IdParams,
        body: UpdateScheduleBody,
        response: { 200: ScheduleSchema, ...problems(400, 401, 403, 404, 409, 413, 415, 422) },
      },
    },
    async (request) => jobs.schedules.update(request.params.id, request.auth.tenantId, request.body),
  );

  api.delete(
    '/schedules/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: scheduleTags,
        summary: 'Delete a schedule (its jobs stay)',
        params: IdParams,
        response: { 204: NoContent, ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await jobs.schedules.remove(request.params.id, request.auth.tenantId);
      return reply.code(204).send(null);
    },
  );

  for (const action of ['pause', 'resume'] as const) {
    api.post(
      `/schedules/:id/${action}`,
      {
        config: { access: 'admin' },
        schema: {
          tags: scheduleTags,
          summary: action === 'pause' ? 'Pause a schedule: no slot fires until resumed' : 'Resume a schedule from its next slot after now',
          params: IdParams,
          response: { 200: ScheduleSchema, ...problems(400, 401, 403, 404) },
        },
      },
      async (request) => jobs.schedules[action](request.params.id, request.auth.tenantId),
    );
  }

  api.post(
    '/schedules/:id/trigger',
    {
      config: { access: 'admin' },
      schema: {
        tags: scheduleTags,
        summary: 'Enqueue a run of the schedule now; its cron slots are unchanged',
        params: IdParams,
        response: { 202: TriggeredSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => reply.code(202).send(await jobs.schedules.trigger(request.params.id, request.auth.tenantId)),
  );
}
