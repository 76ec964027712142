/** @module Request and response schemas of the webhook routes (TypeBox: validation, types and OpenAPI from one definition). */
import { Type } from 'typebox';

const uuid = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
const nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Integer>>(schema: T, description: string) =>
  Type.Union([schema, Type.Null()], { description });

export const EndpointParams = Type.Object({ id: Type.String({ pattern: uuid, description: 'Endpoint ID (UUID)' }) }, { additionalProperties: false });
export const DeliveryParams = Type.Object(
  { id: Type.String({ pattern: uuid, description: 'Endpoint ID (UUID)' }), deliveryId: Type.String({ pattern: uuid, description: 'Delivery ID (UUID)' }) },
  { additionalProperties: false },
);

const url = Type.String({ minLength: 1, maxLength: 2048, description: 'http(s) URL the messages are POSTed to' });
const description = Type.String({ maxLength: 500 });
const eventTypes = Type.Array(Type.String({ minLength: 1, maxLength: 300 }), {
  maxItems: 50,
  description: 'Event types to deliver: exact (entity.created) or a prefix (entity.*); empty or absent means every type',
});

export const CreateEndpointBody = Type.Object(
  { url, description: Type.Optional(description), eventTypes: Type.Optional(eventTypes), enabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

export const UpdateEndpointBody = Type.Object(
  { url: Type.Optional(url), description: Type.Optional(description), eventTypes: Type.Optional(eventTypes), enabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
);

const endpointProperties = {
  id: Type.String(),
  url: Type.String(),
  description: Type.String(),
  eventTypes: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  disabledReason: nullable(Type.String(), 'Why Trellis disabled it: gone (answered 410) or failing (failed for too long)'),
  failingSince: nullable(Type.String(), 'Since when every attempt has failed; null after a success'),
  createdAt: Type.String(),
  updatedAt: Type.String(),
};

export const EndpointSchema = Type.Object(endpointProperties, { title: 'WebhookEndpoint' });

export const EndpointWithSecretSchema = Type.Object(
  { ...endpointProperties, secret: Type.String({ description: 'The whsec_ signing secret; shown in this response' }) },
  { title: 'WebhookEndpointWithSecret' },
);

export const RotatedSecretSchema = Type.Object(
  {
    ...endpointProperties,
    secret: Type.String({ description: 'The new whsec_ signing secret' }),
    previousSecretValidUntil: nullable(Type.String(), 'Until when the old secret also signs'),
  },
  { title: 'WebhookRotatedSecret' },
);

const deliveryProperties = {
  id: Type.String(),
  endpointId: Type.String(),
  eventSeq: nullable(Type.Integer(), 'The event sequence number; null for a test ping'),
  eventType: Type.String(),
  messageId: Type.String({ description: 'The webhook-id header, the same on every attempt' }),
  status: Type.Enum(['pending', 'succeeded', 'failed']),
  attempts: Type.Integer(),
  nextAttemptAt: nullable(Type.String(), 'When the next attempt is due'),
  lastStatusCode: nullable(Type.Integer(), 'HTTP status of the last attempt'),
  lastError: nullable(Type.String(), 'Why the last attempt failed'),
  createdAt: Type.String(),
  updatedAt: Type.String(),
};

export const DeliverySchema = Type.Object(deliveryProperties, { title: 'WebhookDelivery' });

export const AttemptSchema = Type.Object(
  {
    attempt: Type.Integer(),
    trigger: Type.Enum(['scheduled', 'manual']),
    startedAt: Type.String(),
    durationMs: Type.Integer(),
    statusCode: nullable(Type.Integer(), 'HTTP status; null when no response came'),
    error: nullable(Type.String(), 'Why the attempt failed'),
    responseBody: nullable(Type.String(), 'The first 1,024 characters of the response body'),
  },
  { title: 'WebhookAttempt' },
);

export const DeliveryDetailSchema = Type.Object(
  { ...deliveryProperties, payload: Type.Unknown({ description: 'The message body sent' }), attemptLog: Type.Array(AttemptSchema) },
  { title: 'WebhookDeliveryDetail' },
);

export const DeliveryListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String({ maxLength: 500, description: 'nextCursor of the previous page' })),
    status: Type.Optional(Type.Enum(['pending', 'succeeded', 'failed'])),
  },
  { additionalProperties: false },
);

export const DeliveryPageSchema = Type.Object(
  { items: Type.Array(DeliverySchema), nextCursor: nullable(Type.String(), 'Cursor of the next page') },
  { title: 'WebhookDeliveryPage' },
);
