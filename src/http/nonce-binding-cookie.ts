import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { readCookie } from './double-submit.js';

/**
 * The cookie that ties the Google button's and One Tap's nonce to the browser that asked for it
 * (src/signin/nonce.ts MACs a hash of its value into the nonce). A credential stolen before its
 * first use then signs in nowhere but in the browser that holds this cookie.
 *
 * Why SameSite=None in production: in redirect (login_uri) mode Google's page posts the
 * credential from Google's origin, a cross-site POST, and a browser sends no Lax cookie with that
 * (the session cookie does not arrive either, see routes/credential.ts). Leaning on the
 * `g_csrf_token` double-submit instead would bind nothing: Google's script makes that token after
 * the nonce was issued, and a thief posting from his own browser sets his own pair. SameSite=None
 * opens no door: the cookie grants nothing by itself, it only narrows which credentials are
 * accepted, and the cross-site and double-submit checks stay as they are. A browser refuses
 * SameSite=None without Secure, and plain-http development cannot be Secure, so out of production
 * the cookie is Lax: the emulator's pages are on the same site (localhost), so its posts carry it.
 * `__Host-` in production, as for the session cookie: only this host over https can set it, so a
 * sibling subdomain cannot plant a value of its own.
 */
export interface NonceBindingCookie {
  name: string;
  /** The request's binding value, or a new one set on the response when it had none usable. */
  ensure(req: Request, res: Response): string;
  /** The request's binding value; undefined when absent, sent twice or not one of ours. */
  read(req: Request): string | undefined;
}

/** 256 random bits, base64url: what `ensure` sets, and the only shape `read` accepts. */
const VALUE = /^[\w-]{43}$/;

export function nonceBindingCookie(production: boolean): NonceBindingCookie {
  const name = production ? '__Host-nonce-bind' : 'nonce-bind';
  const read = (req: Request): string | undefined => {
    const value = readCookie(req, name);
    return value !== undefined && VALUE.test(value) ? value : undefined;
  };
  return {
    name,
    read,
    ensure(req, res) {
      const existing = read(req);
      if (existing !== undefined) return existing;
      const value = randomBytes(32).toString('base64url');
      // No Max-Age: a nonce lives 10 minutes, the browser session is long enough for it.
      res.cookie(name, value, {
        httpOnly: true,
        path: '/',
        secure: production,
        sameSite: production ? 'none' : 'lax',
      });
      return value;
    },
  };
}
