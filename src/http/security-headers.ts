import { randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * helmet's headers with a CSP that allows Google's GSI script by host and our own scripts by a
 * per-response nonce; nothing inline runs without it.
 */
export function securityHeaders(options: {
  googleOrigin: string;
  production: boolean;
}): RequestHandler[] {
  const nonce: RequestHandler = (_req, res, next) => {
    res.locals.cspNonce = randomBytes(16).toString('base64');
    next();
  };
  const headers = helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'default-src': ["'self'"],
        'script-src': [
          "'self'",
          (_req, res) =>
            `'nonce-${(res as unknown as { locals: { cspNonce: string } }).locals.cspNonce}'`,
          options.googleOrigin,
        ],
        'connect-src': ["'self'", options.googleOrigin],
        'frame-src': [options.googleOrigin],
        'img-src': ["'self'", 'data:', 'https:', options.googleOrigin],
        'style-src': ["'self'", options.googleOrigin],
        'form-action': ["'self'", options.googleOrigin],
        'upgrade-insecure-requests': options.production ? [] : null,
      },
    },
    // Only production is served over TLS; HSTS on plain-HTTP dev hosts would break localhost.
    strictTransportSecurity: options.production,
  });
  return [nonce, headers];
}

/** The sign-in page opens Google's popup, whose answer the default COOP (same-origin) severs. */
export const allowPopups: RequestHandler = (_req, res, next) => {
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin-allow-popups');
  next();
};
