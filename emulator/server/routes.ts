import { approve, consent } from '../oauth/authorize.js';
import { renderAvatarSvg } from './avatar.js';
import { jwkCerts, pemCerts } from '../oauth/certs.js';
import type { Handler } from './context.js';
import * as control from './control.js';
import { discovery } from '../oauth/discovery.js';
import type { Endpoint } from './faults.js';
import { renderGsiClientScript } from '../gsi/gsi-client.js';
import { renderGsiIdScript } from '../gsi/gsi-id-script.js';
import { gsiApprove, gsiSelect } from '../gsi/gsi-select.js';
import { jsonReply } from './http.js';
import { revoke, token, tokeninfo, userinfo } from '../oauth/oauth-endpoints.js';
import * as risc from '../risc/risc.js';

export interface Route {
  /** The Google endpoint this path belongs to (calls are recorded and faults applied), if any. */
  endpoint?: Endpoint;
  /** When one path serves two endpoints (POST /token: code exchange and refresh), which one. */
  endpointFor?: (params: URLSearchParams) => Endpoint;
  /** Subject to `delayMs` (the benchmark's simulated network latency). */
  delayed?: boolean;
  /** Only for same-machine tools: refused when a browser sends a non-loopback Origin. */
  control?: boolean;
  methods: Partial<Record<string, Handler>>;
}

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(:\d{1,5})?$/;

/** The script refers back to the emulator as the browser reached it (localhost vs 127.0.0.1). */
const gsiClient: Handler = (state, { req }) => {
  const host = req.headers.host ?? '';
  const base = LOOPBACK_HOST.test(host) ? `http://${host}` : state.url;
  return {
    status: 200,
    headers: {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'no-cache',
      'cross-origin-resource-policy': 'cross-origin',
      'x-content-type-options': 'nosniff',
    },
    // One script, as Google's: the code client and google.accounts.id (button, One Tap).
    body: renderGsiClientScript(base) + renderGsiIdScript(base),
  };
};

const AVATAR_PATH = /^\/avatars\/(\d{1,32})\.svg$/;

const avatar: Handler = (state, { url }) => {
  const sub = AVATAR_PATH.exec(url.pathname)?.[1] ?? '';
  const account = state.accounts.find((a) => a.sub === sub);
  if (!account) return jsonReply(404, { error: 'not_found' });
  return {
    status: 200,
    headers: {
      'content-type': 'image/svg+xml',
      'cache-control': 'public, max-age=86400',
      'cross-origin-resource-policy': 'cross-origin',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      'x-content-type-options': 'nosniff',
    },
    body: renderAvatarSvg(account),
  };
};

const ROUTES: Record<string, Route> = {
  '/token': {
    endpoint: 'token',
    endpointFor: (params) => (params.get('grant_type') === 'refresh_token' ? 'refresh' : 'token'),
    delayed: true,
    methods: { POST: token },
  },
  '/tokeninfo': {
    endpoint: 'tokeninfo',
    delayed: true,
    methods: { GET: tokeninfo, POST: tokeninfo },
  },
  '/oauth2/v3/tokeninfo': {
    endpoint: 'tokeninfo',
    delayed: true,
    methods: { GET: tokeninfo, POST: tokeninfo },
  },
  '/oauth2/v3/userinfo': {
    endpoint: 'userinfo',
    delayed: true,
    methods: { GET: userinfo, POST: userinfo },
  },
  '/oauth2/v1/certs': { endpoint: 'certs', delayed: true, methods: { GET: pemCerts } },
  '/oauth2/v3/certs': { endpoint: 'certs', delayed: true, methods: { GET: jwkCerts } },
  '/revoke': { endpoint: 'revoke', delayed: true, methods: { POST: revoke, GET: revoke } },
  '/.well-known/openid-configuration': { endpoint: 'discovery', methods: { GET: discovery } },
  '/o/oauth2/v2/auth': { endpoint: 'auth', methods: { GET: consent } },
  '/o/oauth2/v2/auth/approve': { endpoint: 'auth', methods: { POST: approve } },
  '/gsi/client': { methods: { GET: gsiClient } },
  '/gsi/select': { methods: { GET: gsiSelect } },
  '/gsi/select/approve': { methods: { POST: gsiApprove } },
  '/emulator/credentials': { control: true, methods: { POST: control.createCredential } },
  '/emulator/codes': { control: true, methods: { POST: control.createCode } },
  '/emulator/accounts': { control: true, methods: { GET: control.listAccounts } },
  '/emulator/deny-scopes': { control: true, methods: { POST: control.denyScopes } },
  '/emulator/faults': {
    control: true,
    methods: { POST: control.addFault, DELETE: control.clearFaults },
  },
  '/emulator/calls': {
    control: true,
    methods: { GET: control.listCalls, DELETE: control.resetCalls },
  },
  '/emulator/rotate-key': { control: true, methods: { POST: control.rotateKey } },
  // Cross-Account Protection: discovery, the management API, and the test control surface.
  '/.well-known/risc-configuration': { methods: { GET: risc.riscConfiguration } },
  '/v1beta/stream': { methods: { GET: risc.streamGet } },
  '/v1beta/stream:update': { methods: { POST: risc.streamUpdate } },
  '/v1beta/stream:verify': { methods: { POST: risc.streamVerify } },
  '/v1beta/stream/status': { methods: { GET: risc.statusGet } },
  '/v1beta/stream/status:update': { methods: { POST: risc.statusUpdate } },
  '/emulator/risc/service-account': {
    control: true,
    methods: { POST: risc.createServiceAccount },
  },
  '/emulator/risc/events': { control: true, methods: { POST: risc.emitEvent } },
  '/emulator/expire-refresh-tokens': {
    control: true,
    methods: { POST: control.expireRefreshTokens },
  },
  '/emulator/time-limited-access': {
    control: true,
    methods: { POST: control.limitAccess, DELETE: control.clearTimeLimits },
  },
  '/emulator/testing-status': { control: true, methods: { POST: control.testingStatus } },
};

const AVATAR_ROUTE: Route = { methods: { GET: avatar } };

export function findRoute(pathname: string): Route | undefined {
  if (Object.hasOwn(ROUTES, pathname)) return ROUTES[pathname];
  return AVATAR_PATH.test(pathname) ? AVATAR_ROUTE : undefined;
}
