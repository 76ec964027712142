/** @module Request and response schemas of the event routes. */
import { Type } from 'typebox';

/** A sequence number in a query: a non-negative integer a JavaScript number holds exactly. */
const seq = (description: string) => Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description });
const types = Type.String({ maxLength: 2000, description: 'Comma-separated event types; `entity.*` matches every type starting with `entity.`' });
const subject = Type.String({ minLength: 1, maxLength: 200, description: 'Only events about this subject (an ID)' });

export const EventSchema = Type.Object(
  {
    seq: Type.Integer({ description: 'Per-tenant sequence, gap-free in commit order' }),
    id: Type.String(),
    type: Type.String(),
    subject: Type.Union([Type.String(), Type.Null()]),
    payload: Type.Record(Type.String(), Type.Unknown()),
    createdAt: Type.String(),
  },
  { title: 'Event' },
);

export const EventListQuery = Type.Object(
  {
    after: Type.Optional(seq('Return events with a sequence above this one (0, the default, starts at the oldest retained)')),
    types: Type.Optional(types),
    subject: Type.Optional(subject),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

export const EventPageSchema = Type.Object({
  items: Type.Array(EventSchema),
  nextAfter: Type.Union([Type.Integer(), Type.Null()], { description: 'Pass as `after` for the next page; null when the page reached the latest event' }),
  latestSeq: Type.Integer(),
  cursorExpired: Type.Union([Type.Integer(), Type.Null()], {
    description: 'When events right after `after` were deleted by retention: the oldest retained sequence',
  }),
});

export const StreamQuery = Type.Object(
  {
    types: Type.Optional(types),
    subject: Type.Optional(subject),
    last_event_id: Type.Optional(seq('Replay events after this sequence (as the Last-Event-ID header does)')),
    token: Type.Optional(Type.String({ maxLength: 1000, description: 'A stream token from POST /events/stream-tokens, for clients that cannot send headers' })),
  },
  { additionalProperties: false },
);

export const WebSocketQuery = Type.Object(
  { token: Type.Optional(Type.String({ maxLength: 1000, description: 'A stream token from POST /events/stream-tokens' })) },
  { additionalProperties: false },
);

export const StreamTokenSchema = Type.Object({
  token: Type.String({ description: 'Pass as `?token=` to GET /events/stream or /events/ws' }),
  expiresAt: Type.String(),
});
