// A host app of its own (home page, a protected page) with gconnect mounted for Google sign-in.
import express, { type Express } from 'express';
import { createGconnect } from 'gconnect-express';

export interface HostAppSettings {
  google: { clientId: string; clientSecret: string; emulatorUrl?: string };
  /** 'file:./data/app.db' or 'postgres://…' */
  database: string;
  sessionSecrets: string[];
  tokenKeys?: string;
  baseUrl?: string;
  production: boolean;
}

export async function createHostApp(settings: HostAppSettings) {
  const gconnect = await createGconnect({
    google: settings.google,
    database: settings.database,
    sessionSecrets: settings.sessionSecrets,
    tokenKeys: settings.tokenKeys,
    appName: 'Host app',
    links: [{ href: '/dashboard', text: 'Dashboard' }],
    baseUrl: settings.baseUrl,
    production: settings.production,
  });
  const app: Express = express();
  app.use(gconnect.router); // sign-in, account pages, /risc, sessions for every route after it

  app.get('/', async (req, res) => {
    const user = await gconnect.currentUser(req);
    res.send(
      user
        ? `<h1>Host app</h1><p>Signed in as ${escapeHtml(user.name ?? user.email ?? '')}. <a href="/dashboard">Dashboard</a></p>`
        : '<h1>Host app</h1><p><a href="/login">Sign in with Google</a></p>',
    );
  });

  app.get('/dashboard', gconnect.requireSignIn, (req, res) => {
    res.send(`Hello ${escapeHtml(gconnect.signedInUser(req)!.name ?? '')}`);
  });

  return { app, gconnect };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
