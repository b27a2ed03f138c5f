import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TestAccount } from '../server/accounts.js';
import { renderErrorPage } from '../oauth/consent-page.js';
import type { EmulatorState, Handler } from '../server/context.js';
import {
  renderGsiChooser,
  renderGsiFormPost,
  renderGsiMessagePage,
  type GsiMessage,
  type SelectBy,
} from './gsi-pages.js';
import { isGsiRequestError, parseGsiRequest, type GsiRequest } from './gsi-request.js';
import { htmlReply, redirectReply, type Reply } from '../server/http.js';

/**
 * The emulator's "Google session": the account last chosen with the button or One Tap, so One
 * Tap with auto_select can sign that account straight back in, as Google does.
 */
const ACCOUNT_COOKIE = 'g_emulator_account';
const ACCOUNT_COOKIE_MAX_AGE_S = 24 * 3600;

type Params = Pick<URLSearchParams, 'get'>;

function validate(state: EmulatorState, params: Params): GsiRequest | Reply {
  const request = parseGsiRequest(params, (id) => state.findClient(id));
  if (!isGsiRequestError(request)) return request;
  return htmlReply(400, renderErrorPage(400, request.error, request.description));
}

function isReply(value: GsiRequest | Reply): value is Reply {
  return 'status' in value;
}

/**
 * Pages of the chooser: One Tap's are framed by the app's page (and by nothing else); the
 * others are top-level windows and refuse any frame.
 */
function pageReply(request: GsiRequest, html: string, nonce = '', extra = {}): Reply {
  const ancestors = request.mode === 'onetap' ? request.origin : "'none'";
  const reply = htmlReply(200, html, {
    'content-security-policy': [
      "default-src 'none'",
      "img-src 'self' data:",
      "style-src 'unsafe-inline'",
      nonce ? `script-src 'nonce-${nonce}'` : "script-src 'none'",
      `form-action 'self' ${request.origin}`,
      `frame-ancestors ${ancestors}`,
      "base-uri 'none'",
    ].join('; '),
    ...extra,
  });
  if (request.mode === 'onetap') delete reply.headers['x-frame-options'];
  return reply;
}

function rememberedAccount(state: EmulatorState, req: IncomingMessage): TestAccount | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, value] = part.trim().split('=');
    if (name === ACCOUNT_COOKIE && value) return state.findAccount(value);
  }
  return undefined;
}

function rememberAccount(account: TestAccount): string {
  return `${ACCOUNT_COOKIE}=${account.sub}; Path=/gsi; Max-Age=${ACCOUNT_COOKIE_MAX_AGE_S}; HttpOnly; SameSite=Lax`;
}

function newNonce(): string {
  return randomBytes(16).toString('base64');
}

/** The credential goes to the page: by message (popup, One Tap) or as a form POST (redirect). */
async function deliver(
  state: EmulatorState,
  request: GsiRequest,
  account: TestAccount,
  selectBy: SelectBy,
): Promise<Reply> {
  const issued = await state.issueCredential({
    account: account.sub,
    clientId: request.clientId,
    nonce: request.nonce,
  });
  const nonce = newNonce();
  const cookie = { 'set-cookie': rememberAccount(account) };
  if (request.mode === 'redirect') {
    // Google posts the value the page's script put in the cookie; the fault posts another.
    const csrf = issued.csrfMismatch ? randomBytes(16).toString('hex') : (request.csrfToken ?? '');
    const fields = { credential: issued.credential, g_csrf_token: csrf, select_by: selectBy };
    return pageReply(
      request,
      renderGsiFormPost(request.loginUri ?? '', fields, nonce),
      nonce,
      cookie,
    );
  }
  const message: GsiMessage = {
    type: 'emulator-credential-response',
    credential: issued.credential,
    select_by: selectBy,
    ...(issued.csrfMismatch ? { csrf_mismatch: true } : {}),
  };
  return messageReply(request, message, cookie);
}

function messageReply(request: GsiRequest, message: GsiMessage, extra = {}): Reply {
  const nonce = newNonce();
  const target = request.mode === 'onetap' ? 'parent' : 'opener';
  const html = renderGsiMessagePage(message, request.origin, target, nonce);
  return pageReply(request, html, nonce, extra);
}

function cancel(request: GsiRequest): Reply {
  // A full-page (redirect mode) chooser goes back to the app; the others tell the page.
  if (request.mode === 'redirect') return redirectReply(`${request.origin}/`);
  return messageReply(request, { type: 'emulator-credential-response', error: 'cancelled' });
}

/** GET /gsi/select — the account chooser of the button and of One Tap. */
export const gsiSelect: Handler = (state, { req, url }) => {
  const request = validate(state, url.searchParams);
  if (isReply(request)) return request;
  const remembered = request.autoSelect ? rememberedAccount(state, req) : undefined;
  if (remembered) return deliver(state, request, remembered, 'auto');
  const nonce = newNonce();
  return pageReply(request, renderGsiChooser(request, state.accounts, nonce), nonce);
};

/** POST /gsi/select/approve — the chooser's form: an account button or Cancel. */
export const gsiApprove: Handler = async (state, { params }) => {
  const form = await params();
  const request = validate(state, form);
  if (isReply(request)) return request;
  if (form.get('action') === 'cancel') return cancel(request);
  const account = state.findAccount(form.get('account') ?? '');
  if (!account) {
    return htmlReply(
      400,
      renderErrorPage(400, 'invalid_request', 'Choose one of the listed accounts.'),
    );
  }
  return deliver(state, request, account, request.mode === 'onetap' ? 'user_1tap' : 'btn');
};
