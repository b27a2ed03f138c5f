import { jsonForScript } from '../server/html.js';

/**
 * A stand-in for https://accounts.google.com/gsi/client offering the popup code client
 * (`google.accounts.oauth2.initCodeClient`). Plain DOM calls only — no eval, no injected inline
 * code — so it runs under the app's strict CSP.
 */
export function renderGsiClientScript(emulatorBase: string): string {
  return `/* Google Identity Services code client — emulator edition. */
(function () {
  'use strict';
  var EMULATOR_BASE = ${jsonForScript(emulatorBase)};
  var EMULATOR_ORIGIN = new URL(EMULATOR_BASE).origin;
  var POLL_MS = 500;

  function reportError(config, type, message) {
    if (typeof config.error_callback === 'function') {
      config.error_callback({ type: type, message: message });
    }
  }

  function authUrl(config) {
    var params = new URLSearchParams();
    params.set('client_id', config.client_id);
    params.set('redirect_uri', 'postmessage');
    params.set('response_type', 'code');
    params.set('scope', config.scope || '');
    params.set('origin', window.location.origin);
    if (config.state) params.set('state', config.state);
    if (config.login_hint) params.set('login_hint', config.login_hint);
    if (config.hd) params.set('hd', config.hd);
    if (config.include_granted_scopes !== false) params.set('include_granted_scopes', 'true');
    return EMULATOR_BASE + '/o/oauth2/v2/auth?' + params.toString();
  }

  function requestCode(config) {
    var popup = window.open(authUrl(config), 'g_emulator_popup', 'popup,width=500,height=640');
    if (!popup) {
      reportError(config, 'popup_failed_to_open', 'Failed to open popup window');
      return;
    }
    var settled = false;
    var timer;

    function finish() {
      settled = true;
      clearInterval(timer);
      window.removeEventListener('message', onMessage);
    }

    function onMessage(event) {
      if (settled || event.origin !== EMULATOR_ORIGIN || event.source !== popup) return;
      var data = event.data;
      if (!data || data.type !== 'emulator-code-response') return;
      finish();
      if (data.error) {
        config.callback({ error: data.error, state: data.state });
      } else {
        config.callback({ code: data.code, scope: data.scope, state: data.state, authuser: '0', prompt: 'consent' });
      }
    }

    window.addEventListener('message', onMessage);
    timer = setInterval(function () {
      if (settled || !popup.closed) return;
      clearInterval(timer);
      // Give a message posted just before the popup closed the chance to arrive first.
      setTimeout(function () {
        if (settled) return;
        finish();
        reportError(config, 'popup_closed', 'Popup window closed');
      }, 100);
    }, POLL_MS);
  }

  function initCodeClient(config) {
    if (!config || typeof config.client_id !== 'string' || config.client_id === '') {
      throw new Error('Missing required parameter client_id.');
    }
    if (config.ux_mode && config.ux_mode !== 'popup') {
      throw new Error('The emulator supports only ux_mode "popup".');
    }
    if (typeof config.callback !== 'function') {
      throw new Error('Missing required parameter callback.');
    }
    return {
      requestCode: function (overrides) {
        requestCode(Object.assign({}, config, overrides || {}));
      },
    };
  }

  var google = (window.google = window.google || {});
  google.accounts = google.accounts || {};
  google.accounts.oauth2 = google.accounts.oauth2 || {};
  google.accounts.oauth2.initCodeClient = initCodeClient;
})();
`;
}
