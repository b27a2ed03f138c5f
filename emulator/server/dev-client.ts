/**
 * The OAuth client registered in the emulator when none is configured (`npm run dev`).
 * Not a secret: it only works against the emulator, which listens on loopback only.
 */
export const DEV_CLIENT = {
  clientId: 'emulator-client.apps.googleusercontent.com',
  clientSecret: 'emulator-secret',
} as const;
