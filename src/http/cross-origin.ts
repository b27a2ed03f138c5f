import type { Request, RequestHandler } from 'express';
import { AppError, Messages } from '../core/errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses cross-site state-changing requests, by the rule of Go's http.CrossOriginProtection:
 * browsers send Sec-Fetch-Site (or at least Origin); clients that send neither, like curl,
 * are not browsers and carry no ambient cookies of a victim, so they pass.
 */
export function refuseCrossSite(
  baseUrl?: string,
  options: {
    /** Requests another check guards instead (and that must enforce it itself). */
    exempt?: (req: Request) => boolean;
  } = {},
): RequestHandler {
  // With BASE_URL the site is that origin, scheme included; without it, the request's Host.
  const isThisSite = (origin: string, host: string | undefined) =>
    baseUrl !== undefined ? origin === baseUrl : hostOf(origin) === host;
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method) || options.exempt?.(req)) return next();
    const site = req.get('sec-fetch-site');
    if (site !== undefined) {
      return next(site === 'same-origin' || site === 'none' ? undefined : crossSite());
    }
    const origin = req.get('origin');
    if (origin === undefined) return next();
    return next(isThisSite(origin, req.get('host')) ? undefined : crossSite());
  };
}

/** The host of an Origin header; "null" and garbage have none, so they never match. */
function hostOf(origin: string): string | undefined {
  return URL.canParse(origin) ? new URL(origin).host : undefined;
}

function crossSite(): AppError {
  return new AppError(403, Messages.crossSite, { code: 'cross_site' });
}
