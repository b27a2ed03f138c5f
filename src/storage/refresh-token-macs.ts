/**
 * Keyed hashes of a refresh token's two Google identifiers, stored beside the sealed token so a
 * `token-revoked` event can find its grant. Keyed (HMAC), not plain: a leaked table must not let
 * anyone confirm a guessed token or its prefix.
 */
export interface RefreshTokenMacs {
  prefix: string;
  hash: string;
}
