/** @module Standard Webhooks secrets and signatures: `whsec_` secrets, `v1,` HMAC-SHA256 signatures over `id.timestamp.body`. */
import { createHmac, randomBytes } from 'node:crypto';

/** `whsec_` followed by the base64 of 24 to 64 random bytes, as Standard Webhooks and Svix issue them. */
export const secretPattern = /^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/;

/** A new endpoint secret: `whsec_` + base64 of 32 random bytes. */
export function generateSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The key bytes of a `whsec_` secret. */
export function secretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}

/**
 * One `v1,<base64>` signature of a message: HMAC-SHA256 with the secret's key bytes over `<id>.<timestamp>.<body>`.
 * @example
 * sign(secret, 'msg_0190…', 1700000000, '{"type":"ping"}') // 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4='
 */
export function sign(secret: string | Buffer, messageId: string, timestampSeconds: number, body: string): string {
  const key = typeof secret === 'string' ? secretKey(secret) : secret;
  return `v1,${createHmac('sha256', key).update(`${messageId}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/**
 * The `webhook-signature` header value: one signature per secret that still signs, space-separated, the current
 * secret first (the specification lets a receiver accept any of them, which is what makes rotation seamless).
 */
export function signatureHeader(secrets: readonly (string | Buffer)[], messageId: string, timestampSeconds: number, body: string): string {
  return secrets.map((secret) => sign(secret, messageId, timestampSeconds, body)).join(' ');
}
