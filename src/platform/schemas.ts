/** @module Request and response schemas of the platform routes (TypeBox: one definition for validation, types and OpenAPI). */
import { type Static, type TSchema, Type } from 'typebox';
import type { ProblemSchema } from '../server/problem.js';

const uuid = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
const nullableString = (description: string) => Type.Union([Type.String(), Type.Null()], { description });

/** The shared problem+json schema, by reference (added to the app with `$id: 'Problem'`). */
export const ProblemRef = Type.Unsafe<Static<typeof ProblemSchema>>({ $ref: 'Problem#' });

/** Error responses by status, each a problem+json body. */
export function problems<const Status extends number>(...statuses: Status[]): Record<Status, typeof ProblemRef> {
  return Object.fromEntries(statuses.map((status) => [status, ProblemRef])) as Record<Status, typeof ProblemRef>;
}

/** `{ id }` path parameters: a UUID, so a malformed ID is a 400 before any query. */
export const IdParams = Type.Object({ id: Type.String({ pattern: uuid, description: 'A UUID' }) });

export const ScopeSchema = Type.Enum(['read', 'write', 'admin', 'system'], { description: 'What a key may do' });
export const RoleSchema = Type.Enum(['owner', 'admin', 'editor', 'viewer'], { description: 'A person’s role in the tenant' });

export const TenantSchema = Type.Object({ id: Type.String(), slug: Type.String(), name: Type.String(), createdAt: Type.String() }, { title: 'Tenant' });

const apiKeyProperties = {
  id: Type.String(),
  tenantId: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'The visible part of the key: trl_<prefix>_…' }),
  scopes: Type.Array(ScopeSchema),
  createdBy: nullableString('Who created it, as <actor kind>:<actor id>'),
  createdAt: Type.String(),
  lastUsedAt: nullableString('Last use, recorded at most once a minute'),
  expiresAt: nullableString('When it stops working; null for never'),
  revokedAt: nullableString('When it was revoked; null while active'),
};

export const ApiKeySchema = Type.Object(apiKeyProperties, { title: 'ApiKey' });

/** A created key with its plaintext, shown once. */
export const CreatedApiKeySchema = Type.Object(
  { ...apiKeyProperties, key: Type.String({ description: 'The API key itself; shown only in this response' }) },
  { title: 'CreatedApiKey' },
);

export const UserSchema = Type.Object(
  {
    id: Type.String(),
    tenantId: Type.String(),
    email: Type.String(),
    name: Type.String(),
    role: RoleSchema,
    disabled: Type.Boolean(),
    disabledAt: nullableString('When the account was disabled'),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { title: 'User' },
);

export const TokenPairSchema = Type.Object(
  {
    accessToken: Type.String({ description: 'JWT for Authorization: Bearer' }),
    refreshToken: Type.String({ description: 'Single-use token for POST /auth/refresh' }),
    expiresIn: Type.Integer({ description: 'Seconds until the access token expires' }),
    tokenType: Type.Literal('Bearer'),
  },
  { title: 'TokenPair' },
);

export const LoginBody = Type.Object(
  {
    tenant: Type.String({ minLength: 1, maxLength: 100, description: 'Tenant slug or ID' }),
    email: Type.String({ minLength: 1, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

export const RefreshBody = Type.Object(
  { refreshToken: Type.String({ pattern: '^trr_[a-z2-7]{43,128}$', description: 'A refresh token (trr_…)' }) },
  { additionalProperties: false },
);

export const CreateTenantBody = Type.Object(
  {
    slug: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,62}$', description: 'Lower-case letters, digits and dashes' }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);

export const CreatedTenantSchema = Type.Object({ tenant: TenantSchema, apiKey: CreatedApiKeySchema }, { title: 'CreatedTenant' });

export const CreateKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    scopes: Type.Array(ScopeSchema, { minItems: 1, maxItems: 4, uniqueItems: true }),
    expiresAt: Type.Optional(Type.String({ format: 'date-time', description: 'When the key stops working (must be in the future)' })),
  },
  { additionalProperties: false },
);

export const CreateUserBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    password: Type.String({ minLength: 12, maxLength: 1024 }),
    role: RoleSchema,
  },
  { additionalProperties: false },
);

export const UpdateUserBody = Type.Object(
  {
    role: Type.Optional(RoleSchema),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    disabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** A list response; `items` leaves room for pagination fields later. */
export function listOf<Item extends TSchema>(item: Item, title: string) {
  return Type.Object({ items: Type.Array(item) }, { title });
}

/** The empty body of a 204 response. */
export const NoContent = Type.Null({ description: 'No content' });
