/** Google's endpoints; with an emulator, each keeps its path under the emulator's base URL. */
export interface GoogleEndpoints {
  authorization: string;
  gsiClient: string;
  token: string;
  tokenInfo: string;
  userInfo: string;
  pemCerts: string;
  jwkCerts: string;
  revoke: string;
  discovery: string;
  /** Cross-Account Protection's discovery document (issuer and keys of security events). */
  riscDiscovery: string;
  /** Accepted `iss` values of ID tokens. */
  issuers: string[];
}

const GOOGLE: GoogleEndpoints = {
  authorization: 'https://accounts.google.com/o/oauth2/v2/auth',
  gsiClient: 'https://accounts.google.com/gsi/client',
  token: 'https://oauth2.googleapis.com/token',
  tokenInfo: 'https://oauth2.googleapis.com/tokeninfo',
  userInfo: 'https://www.googleapis.com/oauth2/v3/userinfo',
  pemCerts: 'https://www.googleapis.com/oauth2/v1/certs',
  jwkCerts: 'https://www.googleapis.com/oauth2/v3/certs',
  revoke: 'https://oauth2.googleapis.com/revoke',
  discovery: 'https://accounts.google.com/.well-known/openid-configuration',
  riscDiscovery: 'https://accounts.google.com/.well-known/risc-configuration',
  issuers: ['https://accounts.google.com', 'accounts.google.com'],
};

export function googleEndpoints(emulatorUrl?: string): GoogleEndpoints {
  if (!emulatorUrl) return GOOGLE;
  const onEmulator = (url: string) => emulatorUrl + new URL(url).pathname;
  return {
    authorization: onEmulator(GOOGLE.authorization),
    gsiClient: onEmulator(GOOGLE.gsiClient),
    token: onEmulator(GOOGLE.token),
    tokenInfo: onEmulator(GOOGLE.tokenInfo),
    userInfo: onEmulator(GOOGLE.userInfo),
    pemCerts: onEmulator(GOOGLE.pemCerts),
    jwkCerts: onEmulator(GOOGLE.jwkCerts),
    revoke: onEmulator(GOOGLE.revoke),
    discovery: onEmulator(GOOGLE.discovery),
    riscDiscovery: onEmulator(GOOGLE.riscDiscovery),
    // The emulator signs with its own base URL as issuer, exactly.
    issuers: [emulatorUrl],
  };
}
