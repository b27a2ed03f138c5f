import express, { type RequestHandler } from 'express';
import { AppError, Messages } from '../core/errors.js';

/** An authorization code is ~100 bytes; 4 KiB leaves room and bounds the work. */
export const CODE_BODY_LIMIT = '4kb';

const RAW_TYPES = ['application/octet-stream', 'text/plain'];
const ACCEPTED = [...RAW_TYPES, 'application/x-www-form-urlencoded', 'application/json'];

/**
 * Parses the three ways clients post a code: raw (the classic client), form `code=` (Google's
 * sample) and JSON `{"code": ...}`. Other content types are refused before reading.
 */
export function parseCodeBody(): RequestHandler[] {
  const onlyAccepted: RequestHandler = (req, _res, next) => {
    if (req.headers['content-type'] !== undefined && !req.is(ACCEPTED)) {
      return next(
        new AppError(415, Messages.unsupportedContentType, { code: 'unsupported_content_type' }),
      );
    }
    next();
  };
  return [
    onlyAccepted,
    express.raw({ type: RAW_TYPES, limit: CODE_BODY_LIMIT }),
    // `extended` cannot change an answer: readCode takes only a string `code`, so `code[x]=1` is
    // a missing code whether qs parses it to an object or not (an equivalent mutant).
    express.urlencoded({ extended: false, limit: CODE_BODY_LIMIT, parameterLimit: 10 }),
    express.json({ limit: CODE_BODY_LIMIT, strict: true }),
  ];
}

/** The code from whichever body was sent, or a 400. */
export function readCode(body: unknown): string {
  const code: unknown = Buffer.isBuffer(body)
    ? body.toString('utf8').trim()
    : (body as { code?: unknown } | null | undefined)?.code;
  // One or more printable ASCII characters: also refuses the empty code.
  if (typeof code !== 'string' || code.length > 2048 || !/^[\x21-\x7e]+$/.test(code)) {
    throw new AppError(400, Messages.missingCode, { code: 'missing_code' });
  }
  return code;
}
