/** @module HTTP routes for webhooks (admin scope): endpoints, secret rotation, test pings, the delivery log and redelivery. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { auditActor, auditOrigin } from '../audit/index.js';
import { NoContent, listOf, problems } from '../schemas.js';
import type { WebhookService } from './index.js';
import {
  CreateEndpointBody,
  DeliveryDetailSchema,
  DeliveryListQuery,
  DeliveryPageSchema,
  DeliveryParams,
  DeliverySchema,
  EndpointParams,
  EndpointSchema,
  EndpointWithSecretSchema,
  RotatedSecretSchema,
  UpdateEndpointBody,
} from './schemas.js';

/** Registers the webhook routes. */
export function registerWebhookRoutes(app: FastifyInstance, webhooks: WebhookService): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const by = (request: FastifyRequest) => ({ actor: auditActor(request.auth), origin: auditOrigin(request) });
  const tags = ['webhooks'];
  const access = { access: 'admin' } as const;

  api.get(
    '/webhooks',
    {
      config: access,
      schema: {
        tags,
        summary: 'Webhook endpoints of the tenant (never their secrets)',
        response: { 200: listOf(EndpointSchema, 'WebhookEndpointList'), ...problems(401, 403) },
      },
    },
    async (request) => ({ items: await webhooks.list(request.auth.tenantId) }),
  );

  api.post(
    '/webhooks',
    {
      config: access,
      schema: {
        tags,
        summary: 'Create an endpoint; its whsec_ signing secret is in this response',
        body: CreateEndpointBody,
        response: { 201: EndpointWithSecretSchema, ...problems(400, 401, 403, 413, 415) },
      },
    },
    async (request, reply) => {
      const { endpoint, secret } = await webhooks.create(request.auth.tenantId, request.body, by(request));
      return reply
        .code(201)
        .header('location', `/webhooks/${endpoint.id}`)
        .send({ ...endpoint, secret });
    },
  );

  api.get(
    '/webhooks/:id',
    { config: access, schema: { tags, summary: 'One endpoint', params: EndpointParams, response: { 200: EndpointSchema, ...problems(400, 401, 403, 404) } } },
    async (request) => webhooks.get(request.auth.tenantId, request.params.id),
  );

  api.patch(
    '/webhooks/:id',
    {
      config: access,
      schema: {
        tags,
        summary: 'Change URL, description, event types or enabled; enabling clears the failure state',
        params: EndpointParams,
        body: UpdateEndpointBody,
        response: { 200: EndpointSchema, ...problems(400, 401, 403, 404, 413, 415) },
      },
    },
    async (request) => webhooks.update(request.auth.tenantId, request.params.id, request.body, by(request)),
  );

  api.delete(
    '/webhooks/:id',
    {
      config: access,
      schema: {
        tags,
        summary: 'Delete an endpoint with its delivery log',
        params: EndpointParams,
        response: { 204: NoContent, ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await webhooks.delete(request.auth.tenantId, request.params.id, by(request));
      return reply.code(204).send(null);
    },
  );

  api.post(
    '/webhooks/:id/rotate-secret',
    {
      config: access,
      schema: {
        tags,
        summary: 'Replace the signing secret; the old one also signs until previousSecretValidUntil',
        params: EndpointParams,
        response: { 200: RotatedSecretSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { endpoint, secret, previousSecretValidUntil } = await webhooks.rotateSecret(request.auth.tenantId, request.params.id, by(request));
      return { ...endpoint, secret, previousSecretValidUntil };
    },
  );

  api.post(
    '/webhooks/:id/test',
    {
      config: access,
      schema: {
        tags,
        summary: 'Send a webhook.ping message now and answer with its delivery and attempt',
        params: EndpointParams,
        response: { 200: DeliveryDetailSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => webhooks.test(request.auth.tenantId, request.params.id),
  );

  api.get(
    '/webhooks/:id/deliveries',
    {
      config: access,
      schema: {
        tags,
        summary: 'The endpoint’s deliveries, newest first',
        params: EndpointParams,
        querystring: DeliveryListQuery,
        response: { 200: DeliveryPageSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { limit = 100, cursor, status } = request.query;
      return webhooks.deliveries(request.auth.tenantId, request.params.id, { limit, ...(cursor ? { cursor } : {}), ...(status ? { status } : {}) });
    },
  );

  api.get(
    '/webhooks/:id/deliveries/:deliveryId',
    {
      config: access,
      schema: {
        tags,
        summary: 'One delivery with its payload and every attempt (status, duration, truncated response body)',
        params: DeliveryParams,
        response: { 200: DeliveryDetailSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => webhooks.delivery(request.auth.tenantId, request.params.id, request.params.deliveryId),
  );

  api.post(
    '/webhooks/:id/deliveries/:deliveryId/redeliver',
    {
      config: access,
      schema: {
        tags,
        summary: 'Send a delivery again with the same webhook-id (queued; answers at once)',
        params: DeliveryParams,
        response: { 202: DeliverySchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => reply.code(202).send(await webhooks.redeliver(request.auth.tenantId, request.params.id, request.params.deliveryId)),
  );
}
