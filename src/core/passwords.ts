/**
 * Password hashing: argon2id with the OWASP-recommended parameters (19 MiB, 2 passes, 1 lane),
 * computed off the event loop by @node-rs/argon2's thread pool.
 */
import { Algorithm, hash, verify } from '@node-rs/argon2';
import { PollcastError } from '../errors.js';

const OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;

/** Throws weak_password unless the password may be used. */
export function checkPasswordRules(password: string, email: string): void {
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    throw new PollcastError('weak_password', `a password has ${PASSWORD_MIN}–${PASSWORD_MAX} characters`, { field: 'password' });
  }
  if (password.toLowerCase() === email.toLowerCase()) throw new PollcastError('weak_password', 'the password must not be the email', { field: 'password' });
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

let dummy: Promise<string> | null = null;

/**
 * Verifies a password against a stored hash. With no hash (unknown email) it still spends one
 * verification, so the answer time does not tell whether an account exists.
 */
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (stored === null) {
    dummy ??= hashPassword('pollcast-timing-equaliser');
    await verify(await dummy, password).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}
