import type { Request, Response } from 'express';
import type { SessionData } from 'express-session';
import type { GoogleClient } from '../../google/google-client.js';
import { saveSession } from '../../http/session/session.js';
import {
  buildAuthorizationUrl,
  type AuthorizationRequest,
} from '../../signin/authorization-url.js';
import { createPkcePair } from '../../signin/pkce.js';
import { randomToken, STATE_TTL_MS } from '../../signin/state.js';

type RedirectLogin = NonNullable<SessionData['redirectLogin']>;

/**
 * The code flow's first leg, shared by the redirect sign-in and a feature's connect: a fresh
 * state, nonce and PKCE verifier remembered in the session with `login`, the session stored (not
 * to Google with a state we could not store: the callback would refuse it), then 302 to Google's
 * authorization endpoint with `request`'s scopes and hints.
 */
export async function redirectToGoogle(
  req: Request,
  res: Response,
  google: Pick<GoogleClient, 'endpoints' | 'clientId'>,
  login: Omit<RedirectLogin, 'state' | 'nonce' | 'codeVerifier'>,
  request: Omit<AuthorizationRequest, 'clientId' | 'state' | 'nonce' | 'codeChallenge'>,
): Promise<void> {
  const pkce = createPkcePair();
  const pending: RedirectLogin = {
    state: randomToken(),
    nonce: randomToken(),
    codeVerifier: pkce.verifier,
    ...login,
  };
  req.session.redirectLogin = pending;
  // A visitor who never comes back keeps an anonymous session only as long as the request lives.
  if (req.session.userId === undefined) req.session.cookie.maxAge = STATE_TTL_MS;
  await saveSession(req);
  res.set('Cache-Control', 'no-store');
  res.redirect(
    302,
    buildAuthorizationUrl(google.endpoints.authorization, {
      clientId: google.clientId,
      state: pending.state,
      nonce: pending.nonce,
      codeChallenge: pkce.challenge,
      ...request,
    }),
  );
}
