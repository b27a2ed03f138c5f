import { GaxiosError } from 'gaxios';
import type { z } from 'zod';
import type { Logger } from 'pino';
import { AppError, Messages, type GoogleCall } from '../core/errors.js';
import { logGoogleRefusal, readGoogleRefusal } from './oauth-error.js';

/**
 * The boundary where library and network errors become AppErrors, once:
 * a refused code is the client's fault (401), a tokeninfo error is reported as Google gave it
 * (500, the classic contract), a passed deadline is 504, anything else from Google is 502.
 */
export async function callGoogle<T>(
  call: GoogleCall,
  work: () => Promise<T>,
  logger?: Pick<Logger, 'warn'>,
): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof AppError) throw err;
    // Google's own words on a refusal (invalid_client, redirect_uri_mismatch…) make the first
    // misconfiguration diagnosable; the request, which holds the code or a token, never goes.
    if (logger) logGoogleRefusal(logger, call, err);
    if (isTimeout(err)) {
      throw new AppError(504, Messages.googleTimeout, {
        code: `google_${call}_timeout`,
        cause: redact(err),
      });
    }
    const status = err instanceof GaxiosError ? err.response?.status : undefined;
    // A comparison with undefined is false anyway: `status !== undefined` is for the type checker
    // (an equivalent mutant).
    if (status !== undefined && status >= 400 && status < 500) {
      if (call === 'refresh' && oauthError(err) === 'invalid_grant') {
        // The grant is gone (revoked, expired, Testing-status limit): the user must reconnect.
        throw new AppError(409, Messages.googleReconnect, {
          code: 'google_invalid_grant',
          cause: redact(err),
        });
      }
      if (call === 'token') {
        throw new AppError(401, Messages.codeExchangeFailed, {
          code: 'google_token_refused',
          cause: redact(err),
        });
      }
      if (call === 'tokeninfo') {
        throw new AppError(500, tokenInfoError(err), {
          code: 'google_tokeninfo_error',
          cause: redact(err),
        });
      }
    }
    throw new AppError(502, Messages.googleBadGateway, {
      code: `google_${call}_failed`,
      cause: redact(err),
    });
  }
}

/** Google's answer checked against `schema`; anything else is a bad gateway (502). */
export function expectResponse<T>(schema: z.ZodType<T>, data: unknown): T {
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    throw new AppError(502, Messages.googleBadGateway, { code: 'google_bad_response' });
  }
  return parsed.data;
}

function isTimeout(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) {
    if (e.name === 'AbortError' || e.name === 'TimeoutError') return true;
    if ((e as { code?: unknown }).code === 'ETIMEDOUT') return true;
  }
  return false;
}

/** Google's `error` field if it is a plain OAuth error code; never free upstream text. */
// Reached only with a response status, which only a GaxiosError has; and its callers compare the
// result with exact codes: weakening the GaxiosError, `typeof` or pattern checks is an equivalent
// mutant. They stay so no upstream text can ever pass for a code.
function oauthError(err: unknown): string | undefined {
  if (!(err instanceof GaxiosError)) return undefined;
  const data = err.response?.data as unknown;
  // Without a JSON response type gaxios keeps no body, but names the error after its `error`.
  const code = data && typeof data === 'object' ? (data as { error?: unknown }).error : err.message;
  return typeof code === 'string' && /^[a-z_]{1,64}$/.test(code) ? code : undefined;
}

function tokenInfoError(err: unknown): string {
  return readGoogleRefusal(err)?.error ?? 'invalid_token';
}

/** Errors keep their kind and status for the log, not the request (which holds tokens). */
function redact(err: unknown): Error {
  const status = err instanceof GaxiosError ? err.response?.status : undefined;
  const name = err instanceof Error ? err.name : 'Error';
  const raw = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  const code = typeof raw === 'string' || typeof raw === 'number' ? raw : undefined;
  return Object.assign(
    new Error(`${name}${status ? ` status=${status}` : ''}${code ? ` code=${String(code)}` : ''}`),
    {
      status,
    },
  );
}
