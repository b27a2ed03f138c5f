/** The one OAuth client the test emulators know, and a second one for "another app's token" cases. */
export const CLIENT = {
  clientId: 'test-client.apps.googleusercontent.com',
  clientSecret: 'test-secret-value',
};

export const OTHER_CLIENT = {
  clientId: 'other-client.apps.googleusercontent.com',
  clientSecret: 'other-secret',
};
