import { randomBytes } from 'node:crypto';
import type { Session, SessionData } from 'express-session';
import { AppError, Messages } from '../core/errors.js';
import { safeEqual } from '../core/safe-equal.js';
import type { StateLedger } from '../storage/state-ledger.js';

export { safeEqual };

/** A login state is good for this long after the page that issued it. */
export const STATE_TTL_MS = 10 * 60 * 1000;

/** 256 random bits, URL-safe. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Makes a fresh state, bound to this session; a new page load replaces the previous one. */
export function issueState(session: Session & Partial<SessionData>, nowMs: number): string {
  const value = randomToken();
  session.loginState = { value, createdAt: nowMs };
  return value;
}

/**
 * Checks the state a client sent back against the session's and consumes it.
 * The session's state is removed whatever the outcome, so a failed attempt cannot be retried
 * with the same state; the ledger makes the first of two concurrent uses the only one.
 */
export async function consumeState(
  session: Session & Partial<SessionData>,
  given: unknown,
  nowMs: number,
  ledger: StateLedger,
): Promise<void> {
  const pending = session.loginState;
  delete session.loginState;
  await claimState(pending, given, nowMs, ledger);
}

/**
 * The checks every flow makes on a state it got back: present, equal (constant time), not
 * expired, and claimed in the ledger so the first of two concurrent uses is the only one.
 * The caller removes `pending` from the session first, so it is used up whatever the outcome.
 */
export async function claimState(
  pending: { value: string; createdAt: number } | undefined,
  given: unknown,
  nowMs: number,
  ledger: StateLedger,
): Promise<void> {
  if (!pending || typeof given !== 'string' || given === '') throw invalidState('missing');
  if (nowMs - pending.createdAt > STATE_TTL_MS || nowMs < pending.createdAt)
    throw invalidState('expired');
  if (!safeEqual(given, pending.value)) throw invalidState('mismatch');
  if (!(await ledger.claim(pending.value, pending.createdAt + STATE_TTL_MS)))
    throw invalidState('replayed');
}

function invalidState(reason: string): AppError {
  return new AppError(401, Messages.invalidState, {
    code: 'invalid_state',
    cause: new Error(reason),
  });
}
