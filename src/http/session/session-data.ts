/// <reference types="connect-flash" />
import 'express-session';
import type { SessionMeta } from './session-meta.js';

declare module 'express-session' {
  interface SessionData {
    /** The login page's pending state (anonymous sessions hold only this). */
    loginState?: { value: string; createdAt: number };
    /** The redirect flow's pending request: state, nonce, PKCE verifier, where to go after. */
    redirectLogin?: {
      state: string;
      nonce: string;
      codeVerifier: string;
      returnTo: string;
      createdAt: number;
      /**
       * A feature's connect (not a sign-in): the feature, and the user and Google account it is
       * for; `popup` when opened in a popup window (it ends on a page that tells the opener);
       * `guarded` when its returnTo needs the feature (requireGoogleFeature's `guarded=1`), so a
       * cancel must not lead back there.
       */
      connect?: {
        feature: string;
        userId: number;
        sub: string;
        popup?: boolean;
        guarded?: boolean;
      };
    };
    userId?: number;
    googleSub?: string;
    signedInAt?: number;
    /** How this session signed in: the flow and, for a credential, GIS's mode and select_by. */
    signInMethod?: { method: string; mode?: string; selectBy?: string | undefined };
    /** When Google last vouched for the account in this session (sign-in or re-authentication). */
    authenticatedAt?: number;
    /** How the user's session list shows this session (set at sign-in). */
    meta?: SessionMeta;
    flash?: Record<string, string[]>;
  }
}
