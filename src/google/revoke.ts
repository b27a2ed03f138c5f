import { callGoogle } from './call-boundary.js';
import type { GoogleConfiguration } from './configuration.js';

/** Revokes the grant behind the token (access or refresh) at Google (RFC 7009). */
export async function revoke(config: GoogleConfiguration, token: string): Promise<void> {
  await callGoogle(
    'revoke',
    () =>
      config.oauth.transporter.request({
        url: config.endpoints.revoke,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        data: new URLSearchParams({ token }).toString(),
      }),
    config.logger,
  );
}
