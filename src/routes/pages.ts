import type { Request, RequestHandler } from 'express';
import type { GoogleClient } from '../google/google-client.js';
import { requestedScope } from '../signin/authorization-url.js';
import { safeReturnTo } from '../signin/return-to.js';
import { issueState, STATE_TTL_MS } from '../signin/state.js';
import type { User, UserStore } from '../storage/user-store.js';

export interface PageDeps {
  users: UserStore;
  google: GoogleClient;
  now: () => number;
  emulator: boolean;
  /** Extra Google scopes (GOOGLE_SCOPES) the sign-in asks for. */
  scopes?: readonly string[];
}

/** GET /login: a fresh state per view, in `data-state` or as JSON. */
export function loginPage(deps: PageDeps): RequestHandler {
  return async (req, res) => {
    const state = issueState(req.session, deps.now());
    // A visitor who never signs in keeps an anonymous session only as long as its state lives.
    if (req.session.userId === undefined) req.session.cookie.maxAge = STATE_TTL_MS;
    res.set('Cache-Control', 'no-store');
    if (
      req.accepts(['html', 'json']) === 'json' &&
      req.get('accept')?.includes('application/json')
    ) {
      res.json({ state });
      return;
    }
    res.render('login', {
      state,
      user: await currentUser(req, deps.users),
      clientId: deps.google.clientId,
      scope: requestedScope(deps.scopes),
      returnTo: safeReturnTo(req.query.returnTo),
      gsiClientUrl: deps.google.endpoints.gsiClient,
      emulator: deps.emulator,
      // A redirect sign-in may come back here (?returnTo=/login): its welcome shows here, once.
      flash: takeFlash(req),
    });
  };
}

/** GET /: who is signed in, and the flash messages, shown once. */
export function homePage(deps: PageDeps): RequestHandler {
  return async (req, res) => {
    res.set('Cache-Control', 'no-store');
    res.render('home', {
      user: await currentUser(req, deps.users),
      flash: takeFlash(req),
      emulator: deps.emulator,
    });
  };
}

export async function currentUser(req: Request, users: UserStore): Promise<User | undefined> {
  const id = req.session.userId;
  return id === undefined ? undefined : users.findById(id);
}

/**
 * Reads and clears flash messages. connect-flash's req.flash() with nothing stored would still
 * write an empty object into the session, creating a session for every anonymous page view.
 */
export function takeFlash(req: Request): Record<string, string[]> {
  if (!req.session.flash || Object.keys(req.session.flash).length === 0) return {};
  return req.flash() as unknown as Record<string, string[]>;
}
