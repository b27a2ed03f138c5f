import { AppError, Messages } from '../core/errors.js';

/** The one refusal of a credential (401 "Invalid ID token."); `reason` goes only to the log. */
export function invalidIdToken(reason: string): AppError {
  return new AppError(401, Messages.invalidIdToken, {
    code: 'invalid_id_token',
    cause: new Error(reason),
  });
}
