import type { RequestHandler } from 'express';
import { Messages } from '../../core/errors.js';
import type { GoogleClient } from '../../google/google-client.js';
import { readCode } from '../../http/code-body.js';
import { authenticateWithGoogle } from '../../signin/authenticate.js';
import { signIn, type SignInDeps } from '../../signin/sign-in.js';
import { consumeState } from '../../signin/state.js';
import type { StateLedger } from '../../storage/state-ledger.js';

export interface GconnectDeps extends SignInDeps {
  google: GoogleClient;
  ledger: StateLedger;
}

/** POST /gconnect?state=…: the popup code client's sign-in, step by step as in DESIGN.md. */
export function gconnect(deps: GconnectDeps): RequestHandler {
  return async (req, res) => {
    await consumeState(req.session, req.query.state, deps.now(), deps.ledger);
    const code = readCode(req.body);
    // The popup code client's codes are bound to the special redirect URI 'postmessage'.
    const identity = await authenticateWithGoogle(deps.google, {
      code,
      redirectUri: 'postmessage',
    });
    const outcome = await signIn(req, deps, { method: 'popup', ...identity });
    if (outcome.status === 'already-connected') {
      res.status(200).json(Messages.alreadyConnected);
      return;
    }
    res.render('greeting', { user: outcome.user });
  };
}
