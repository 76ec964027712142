/** @module Passwords: argon2id hashing and verification, with a decoy check that hides whether an account exists. */
import { hash, verify } from '@node-rs/argon2';
import { TrellisError } from '../core/errors.js';

/** Shortest accepted password. */
export const passwordMinLength = 12;
/** Longest accepted password; bounds the hashing work one request can ask for. */
export const passwordMaxLength = 1024;

/** Checks a new password's length; throws `validation_failed`. */
export function validatePassword(password: unknown): string {
  if (typeof password !== 'string' || password.length < passwordMinLength || password.length > passwordMaxLength) {
    throw new TrellisError('validation_failed', `A password must be ${passwordMinLength} to ${passwordMaxLength} characters`, { field: 'password' });
  }
  return password;
}

/**
 * Hashes a password with argon2id (the library's defaults: 19 MiB, 2 passes, 1 lane, as OWASP recommends).
 * @example
 * const stored = await hashPassword('correct horse battery');
 */
export async function hashPassword(password: string): Promise<string> {
  return hash(validatePassword(password));
}

/** Whether a password matches a stored hash; false (never a throw) for a corrupt hash. */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}

let decoyHash: Promise<string> | undefined;

/**
 * Spends the same time as a real verification, for logins naming an unknown account,
 * so that response times do not reveal which emails exist.
 */
export async function verifyDecoyPassword(password: string): Promise<void> {
  decoyHash ??= hash('decoy password that never matches');
  await verifyPassword(await decoyHash, password);
}
