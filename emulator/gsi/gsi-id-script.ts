import { jsonForScript } from '../server/html.js';

/**
 * A stand-in for the `google.accounts.id` half of https://accounts.google.com/gsi/client: the
 * "Sign in with Google" button (`renderButton`) and One Tap (`prompt`), delivering an ID token
 * (the credential) to the page's callback, or as a form POST to its `login_uri`. It runs on the
 * app's page, as Google's script does, so it can set the `g_csrf_token` and `g_state` cookies on
 * the app's origin. Plain DOM calls only, so it runs under the app's strict CSP.
 */
export function renderGsiIdScript(emulatorBase: string): string {
  return `/* Google Identity Services google.accounts.id — emulator edition. */
(function () {
  'use strict';
  var EMULATOR_BASE = ${jsonForScript(emulatorBase)};
  var EMULATOR_ORIGIN = new URL(EMULATOR_BASE).origin;
  var POLL_MS = 500;
  var BUTTON_TEXT = {
    signin_with: 'Sign in with Google',
    signup_with: 'Sign up with Google',
    continue_with: 'Continue with Google',
    signin: 'Sign in',
  };
  var settings = null;
  var oneTap = null;

  function requireSettings() {
    if (!settings) throw new Error('Call google.accounts.id.initialize() first.');
    return settings;
  }

  function initialize(config) {
    if (!config || typeof config.client_id !== 'string' || config.client_id === '') {
      throw new Error('Missing required parameter client_id.');
    }
    if (config.ux_mode && config.ux_mode !== 'popup' && config.ux_mode !== 'redirect') {
      throw new Error('ux_mode must be "popup" or "redirect".');
    }
    settings = Object.assign({}, config);
  }

  function cookieSuffix() {
    return '; path=/; SameSite=Lax' + (window.location.protocol === 'https:' ? '; Secure' : '');
  }

  function readCookie(name) {
    var parts = document.cookie.split(';');
    for (var i = 0; i < parts.length; i++) {
      var part = parts[i].trim();
      if (part.indexOf(name + '=') === 0) return decodeURIComponent(part.slice(name.length + 1));
    }
    return null;
  }

  // Like Google's script, the opt-out of automatic sign-in lives in the g_state cookie.
  function disableAutoSelect() {
    document.cookie = 'g_state=' + encodeURIComponent(JSON.stringify({ i_l: 0 })) +
      '; max-age=15552000' + cookieSuffix();
  }

  function autoSelectDisabled() {
    try {
      var value = readCookie('g_state');
      return value !== null && JSON.parse(value).i_l === 0;
    } catch (e) {
      return false;
    }
  }

  function randomToken() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return (b < 16 ? '0' : '') + b.toString(16);
    }).join('');
  }

  // The double-submit token: a cookie on the app's origin, the same value in the posted form.
  function newCsrfCookie() {
    var token = randomToken();
    document.cookie = 'g_csrf_token=' + token + cookieSuffix();
    return token;
  }

  function loginUri(config) {
    return new URL(config.login_uri || window.location.href, window.location.href).href;
  }

  function selectUrl(config, mode, extra) {
    var params = new URLSearchParams();
    params.set('client_id', config.client_id);
    params.set('origin', window.location.origin);
    params.set('mode', mode);
    if (config.nonce) params.set('nonce', config.nonce);
    if (config.hd) params.set('hd', config.hd);
    if (config.login_hint) params.set('login_hint', config.login_hint);
    Object.keys(extra || {}).forEach(function (name) { params.set(name, extra[name]); });
    return EMULATOR_BASE + '/gsi/select?' + params.toString();
  }

  function addField(form, name, value) {
    var input = document.createElement('input');
    input.type = 'hidden';
    input.name = name;
    input.value = value;
    form.appendChild(input);
  }

  function postToLoginUri(config, data) {
    var token = newCsrfCookie();
    var form = document.createElement('form');
    form.method = 'post';
    form.action = loginUri(config);
    form.hidden = true;
    addField(form, 'credential', data.credential);
    addField(form, 'g_csrf_token', data.csrf_mismatch ? randomToken() : token);
    addField(form, 'select_by', data.select_by);
    document.body.appendChild(form);
    form.submit();
  }

  function deliver(config, data) {
    if (typeof config.callback === 'function') {
      config.callback({ credential: data.credential, select_by: data.select_by, clientId: config.client_id });
    } else {
      postToLoginUri(config, data);
    }
  }

  // One Tap's frame: its height until the chooser tells its own; on a phone, a bottom sheet.
  var ONE_TAP_HEIGHT = 470;
  var ONE_TAP_WIDTH = 380;
  var PHONE_WIDTH = 600;

  function isSizeMessage(event, source) {
    return event.origin === EMULATOR_ORIGIN && event.source === source && event.data &&
      event.data.type === 'emulator-onetap-size' && typeof event.data.height === 'number';
  }

  /**
   * Sized to the chooser, so every account shows: top right on a wide screen; along the bottom
   * on a phone, at most 60% of its height (the chooser scrolls inside), so the page stays seen.
   */
  function placeOneTap(frame, contentHeight) {
    var style = frame.style;
    var phone = window.innerWidth < PHONE_WIDTH;
    var room = phone ? Math.round(window.innerHeight * 0.6) : window.innerHeight - 32;
    style.height = String(Math.max(0, Math.min(contentHeight, room))) + 'px';
    style.top = phone ? 'auto' : '16px';
    style.bottom = phone ? '0' : 'auto';
    style.left = phone ? '0' : 'auto';
    style.right = phone ? '0' : '16px';
    style.width = phone ? '100%' : String(ONE_TAP_WIDTH) + 'px';
    style.borderRadius = phone ? '12px 12px 0 0' : '8px';
  }

  function isCredentialMessage(event, source) {
    return event.origin === EMULATOR_ORIGIN && event.source === source && event.data &&
      event.data.type === 'emulator-credential-response';
  }

  function openPopup(config) {
    var popup = window.open(selectUrl(config, 'popup'), 'g_emulator_gsi', 'popup,width=500,height=640');
    if (!popup) return;
    var timer;
    function finish() {
      clearInterval(timer);
      window.removeEventListener('message', onMessage);
    }
    function onMessage(event) {
      if (!isCredentialMessage(event, popup)) return;
      finish();
      if (!event.data.error) deliver(config, event.data);
    }
    window.addEventListener('message', onMessage);
    timer = setInterval(function () {
      if (popup.closed) setTimeout(finish, 100);
    }, POLL_MS);
  }

  function startButtonFlow() {
    var config = requireSettings();
    if (config.ux_mode === 'redirect') {
      // Google's page posts the form; the cookie half of the double submit is set here.
      var token = newCsrfCookie();
      window.location.assign(selectUrl(config, 'redirect', { login_uri: loginUri(config), g_csrf_token: token }));
    } else {
      openPopup(config);
    }
  }

  function renderButton(parent, options) {
    requireSettings();
    if (!parent || typeof parent.appendChild !== 'function') throw new Error('Missing parent element.');
    var opts = options || {};
    var button = document.createElement('button');
    button.type = 'button';
    button.textContent = BUTTON_TEXT[opts.text] || BUTTON_TEXT.signin_with;
    var style = button.style;
    style.font = '500 14px Roboto, Arial, sans-serif';
    style.padding = '0 12px';
    style.height = opts.size === 'small' ? '24px' : opts.size === 'medium' ? '32px' : '40px';
    style.borderRadius = opts.shape === 'pill' || opts.shape === 'circle' ? '20px' : '4px';
    style.border = '1px solid #dadce0';
    style.background = opts.theme === 'filled_blue' ? '#1a73e8' : '#fff';
    style.color = opts.theme === 'filled_blue' ? '#fff' : '#3c4043';
    style.cursor = 'pointer';
    if (opts.width) style.width = String(opts.width) + 'px';
    button.addEventListener('click', startButtonFlow);
    parent.textContent = '';
    parent.appendChild(button);
  }

  function moment(type, reason) {
    return {
      getMomentType: function () { return type; },
      isDisplayMoment: function () { return type === 'display'; },
      isDisplayed: function () { return type === 'display'; },
      isNotDisplayed: function () { return false; },
      getNotDisplayedReason: function () { return undefined; },
      isSkippedMoment: function () { return type === 'skipped'; },
      getSkippedReason: function () { return type === 'skipped' ? reason : undefined; },
      isDismissedMoment: function () { return type === 'dismissed'; },
      getDismissedReason: function () { return type === 'dismissed' ? reason : undefined; },
    };
  }

  function closeOneTap(type, reason) {
    if (!oneTap) return;
    var current = oneTap;
    oneTap = null;
    window.removeEventListener('message', current.onMessage);
    window.removeEventListener('resize', current.onResize);
    current.frame.remove();
    if (typeof current.listener === 'function') current.listener(moment(type, reason));
  }

  function prompt(listener) {
    var config = requireSettings();
    if (oneTap) return;
    var auto = config.auto_select === true && !autoSelectDisabled();
    var frame = document.createElement('iframe');
    frame.id = 'credential_picker_iframe';
    frame.title = 'Sign in with Google Dialog';
    frame.src = selectUrl(config, 'onetap', { auto_select: String(auto) });
    var style = frame.style;
    style.position = 'fixed';
    style.border = '0';
    style.boxShadow = '0 2px 10px rgba(0,0,0,.3)';
    style.background = '#fff';
    style.zIndex = '9999';
    var contentHeight = ONE_TAP_HEIGHT;
    function place() {
      placeOneTap(frame, contentHeight);
    }
    place();
    function onMessage(event) {
      if (isSizeMessage(event, frame.contentWindow)) {
        contentHeight = event.data.height;
        place();
        return;
      }
      if (!isCredentialMessage(event, frame.contentWindow)) return;
      if (event.data.error) {
        closeOneTap('skipped', 'user_cancel');
        return;
      }
      closeOneTap('dismissed', 'credential_returned');
      deliver(config, event.data);
    }
    oneTap = { frame: frame, listener: listener, onMessage: onMessage, onResize: place };
    window.addEventListener('message', onMessage);
    window.addEventListener('resize', place);
    document.body.appendChild(frame);
    if (typeof listener === 'function') listener(moment('display'));
  }

  function cancel() {
    closeOneTap('dismissed', 'cancel_called');
  }

  var google = (window.google = window.google || {});
  google.accounts = google.accounts || {};
  google.accounts.id = {
    initialize: initialize,
    renderButton: renderButton,
    prompt: prompt,
    cancel: cancel,
    disableAutoSelect: disableAutoSelect,
  };
})();
`;
}
