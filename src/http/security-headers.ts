import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { RequestHandler, Response } from 'express';
import helmet from 'helmet';

/** Stands for the per-page nonce while helmet builds the policy once at startup. */
const NONCE_MARK = 'nonce-7f1c0d5e-placeholder';

/**
 * helmet's headers with a CSP that allows Google's GSI script and our own scripts by a per-page
 * nonce; nothing inline runs without it. Google's sources are the `/gsi/` paths its setup guide
 * names (Google Identity Services, "Content Security Policy"), not the whole accounts origin.
 *
 * helmet stays the source of the headers and the policy, but it runs once, at startup: its
 * answer is the same for every response except the nonce, and building it per request cost
 * ~8 % of a sign-in's CPU. Each response gets the static headers (the CSP without a nonce: no
 * script of ours runs in JSON); a page gets a nonce, and the CSP naming it, only when its view
 * reads `cspNonce`, i.e. when an HTML page is rendered.
 */
export function securityHeaders(
  options: SecurityHeaderOptions,
): RequestHandler & { undo(res: Response): void } {
  const headers = helmetHeaders(options);
  // A missing policy fails below whatever the fallback string is (an equivalent mutant).
  const policy = headers.get('Content-Security-Policy') ?? '';
  const [beforeNonce, afterNonce] = policy.split(` '${NONCE_MARK}'`);
  if (afterNonce === undefined) throw new Error('the CSP lost its script nonce');
  const fixed = [...headers.entries()].map(([name, value]) =>
    name === 'Content-Security-Policy'
      ? ([name, beforeNonce + afterNonce] as const)
      : [name, value],
  );
  const set: RequestHandler = (_req, res, next) => {
    for (const [name, value] of fixed) res.setHeader(name, value);
    defineNonce(res, (nonce) => `${beforeNonce} 'nonce-${nonce}'${afterNonce}`);
    next();
  };
  // A request gconnect leaves to its host goes on without gconnect's headers: the host's pages
  // have their own scripts and policy.
  const undo = (res: Response) => {
    if (res.headersSent) return;
    for (const [name] of fixed) res.removeHeader(name);
    delete (res.locals as { cspNonce?: string }).cspNonce;
  };
  return Object.assign(set, { undo });
}

/** `res.locals.cspNonce`, made on first read, which also puts it into the response's CSP. */
function defineNonce(res: Response, policyWith: (nonce: string) => string): void {
  let nonce: string | undefined;
  Object.defineProperty(res.locals, 'cspNonce', {
    enumerable: true,
    configurable: true,
    get() {
      if (nonce === undefined) {
        nonce = randomBytes(16).toString('base64');
        if (!res.headersSent) res.setHeader('Content-Security-Policy', policyWith(nonce));
      }
      return nonce;
    },
  });
}

export interface SecurityHeaderOptions {
  /** Google's (or the emulator's) GSI script, `…/gsi/client`: the other GSI paths sit beside it. */
  gsiClientUrl: string;
  production: boolean;
}

/**
 * The sources of Google's GSI: its script exactly, its frames and calls under `/gsi/`, its
 * stylesheet. Images (an emulator's pictures) and form posts keep the origin: the redirect
 * flow is a top-level navigation, which no fetch directive governs.
 */
function gsiSources(gsiClientUrl: string) {
  const gsi = new URL('./', gsiClientUrl).href;
  return {
    origin: new URL(gsiClientUrl).origin,
    script: gsiClientUrl,
    gsi,
    style: new URL('style', gsi).href,
  };
}

/** What helmet sets on a response with these options, the nonce as NONCE_MARK. */
function helmetHeaders(options: SecurityHeaderOptions) {
  const google = gsiSources(options.gsiClientUrl);
  const middleware = helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'", `'${NONCE_MARK}'`, google.script],
        'connect-src': ["'self'", google.gsi],
        'frame-src': [google.gsi],
        'img-src': ["'self'", 'data:', 'https:', google.origin],
        'style-src': ["'self'", google.style],
        'form-action': ["'self'", google.origin],
        'upgrade-insecure-requests': options.production ? [] : null,
      },
    },
    // Only production is served over TLS; HSTS on plain-HTTP dev hosts would break localhost.
    strictTransportSecurity: options.production,
  });
  const headers = new Map<string, string>();
  const recorder = {
    setHeader: (name: string, value: string) => headers.set(name, value),
    removeHeader: (name: string) => headers.delete(name),
  } as unknown as ServerResponse;
  let done = false;
  middleware({} as never, recorder, () => (done = true));
  if (!done) throw new Error('helmet did not finish synchronously');
  return headers;
}

/** The sign-in page opens Google's popup, whose answer the default COOP (same-origin) severs. */
export const allowPopups: RequestHandler = (_req, res, next) => {
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin-allow-popups');
  next();
};

/**
 * Pages that load Google's script send the origin (never the path) with cross-origin requests:
 * with helmet's `no-referrer`, Google's script and FedCM cannot see which site asks, and the
 * personalised button shows no account. Only those pages: elsewhere `no-referrer` stays.
 */
export const referrerForGoogle: RequestHandler = (_req, res, next) => {
  res.setHeader('Referrer-Policy', 'strict-origin-when-cross-origin');
  next();
};
