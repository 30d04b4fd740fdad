import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBridge } from '../preload/bridge.ts';
import { isAllowedChannel, NATIVE_ACTIONS } from '../shared/ipc-channels.ts';
import { bootstrapReply, guardIpc, IpcRefusedError, isTrustedSender } from './ipc-guard.ts';
import { decideNavigation, decidePermission, decideWindowOpen } from './navigation.ts';
import { operatorWindowOptions, WINDOW_CSP } from './window-options.ts';

test('the operator window is isolated, sandboxed, without Node, under a strict CSP', () => {
  const options = operatorWindowOptions('/app/preload.js');
  assert.deepEqual(
    {
      contextIsolation: options.webPreferences.contextIsolation,
      sandbox: options.webPreferences.sandbox,
      nodeIntegration: options.webPreferences.nodeIntegration,
      webSecurity: options.webPreferences.webSecurity,
      webviewTag: options.webPreferences.webviewTag,
    },
    { contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false },
  );
  assert.equal(options.webPreferences.preload, '/app/preload.js');
  assert.match(WINDOW_CSP, /default-src 'none'/);
  assert.match(WINDOW_CSP, /script-src 'self';/);
  assert.doesNotMatch(WINDOW_CSP, /unsafe-inline|unsafe-eval|\*/);
});

test('navigation stays on the UI; https links go to the browser; window.open and permissions are refused', () => {
  const api = 'http://127.0.0.1:41234';
  assert.deepEqual(decideNavigation(`${api}/ui/#machines`, api), { action: 'allow' });
  assert.deepEqual(decideNavigation(`${api}/api/v1/status`, api), { action: 'deny' });
  assert.deepEqual(decideNavigation('http://127.0.0.1:9999/ui/', api), { action: 'deny' });
  assert.deepEqual(decideNavigation('file:///etc/passwd', api), { action: 'deny' });
  assert.deepEqual(decideNavigation('javascript:alert(1)', api), { action: 'deny' });
  assert.deepEqual(decideNavigation('https://docs.example.com/echo', api), {
    action: 'deny',
    openExternally: 'https://docs.example.com/echo',
  });
  assert.deepEqual(decideWindowOpen(`${api}/ui/`), { action: 'deny' });
  assert.equal(decidePermission('media'), false);
  assert.equal(decidePermission('notifications'), false);
});

test('the preload exposes the address, the token and allow-listed native actions only', async () => {
  const calls: unknown[][] = [];
  const bridge = createBridge('http://127.0.0.1:41234', 'tok', async (...args) => {
    calls.push(args);
    return args[0] === NATIVE_ACTIONS.saveDiagnostics ? '/tmp/echo-diagnostics.zip' : undefined;
  });
  assert.deepEqual(Object.keys(bridge).sort(), [
    'apiUrl',
    'installUpdate',
    'openDataFolder',
    'openLogsFolder',
    'saveDiagnostics',
    'setStartAtLogin',
    'token',
  ]);
  assert.ok(Object.isFrozen(bridge));
  await bridge.setStartAtLogin(true);
  assert.equal(await bridge.saveDiagnostics(), '/tmp/echo-diagnostics.zip');
  assert.deepEqual(calls, [['echo:set-start-at-login', true], ['echo:save-diagnostics']]);
  for (const [, args] of calls.entries()) assert.ok(isAllowedChannel(String(args[0])));
  assert.equal(isAllowedChannel('echo:run-shell'), false);
});

test('IPC answers only the UI’s own top-level frame, and only on the bridge’s channels', () => {
  const api = 'http://127.0.0.1:41234';
  const ui = { url: `${api}/ui/#machines`, parent: null };
  assert.equal(isTrustedSender(ui, api), true);
  assert.equal(isTrustedSender({ url: `${api}/ui/`, parent: ui }, api), false, 'an iframe');
  assert.equal(isTrustedSender({ url: 'https://evil.example/ui/', parent: null }, api), false);
  assert.equal(
    isTrustedSender({ url: 'http://127.0.0.1:9999/ui/', parent: null }, api),
    false,
    'another port',
  );
  assert.equal(isTrustedSender({ url: `${api}/api/v1/status`, parent: null }, api), false, 'not the UI page');
  assert.equal(isTrustedSender({ url: 'file:///tmp/page.html', parent: null }, api), false);
  assert.equal(isTrustedSender(null, api), false, 'a frame gone');
  assert.equal(isTrustedSender(ui, undefined), false, 'no core yet');

  const endpoint = { url: api, token: 'tok' };
  assert.deepEqual(bootstrapReply(ui, endpoint), { apiUrl: api, token: 'tok' });
  assert.deepEqual(bootstrapReply({ url: 'https://evil.example/', parent: null }, endpoint), {
    apiUrl: '',
    token: '',
  });
  assert.deepEqual(bootstrapReply(ui, undefined), { apiUrl: '', token: '' });

  const calls: unknown[] = [];
  const handler = guardIpc(
    NATIVE_ACTIONS.setStartAtLogin,
    () => api,
    (_event, enabled: unknown) => {
      calls.push(enabled);
      return 'done';
    },
  );
  assert.equal(handler({ senderFrame: ui }, true), 'done');
  assert.throws(
    () => handler({ senderFrame: { url: 'https://evil.example/', parent: null } }, true),
    (error: unknown) => error instanceof IpcRefusedError && error.code === 'ECHO_ERR_IPC_REFUSED',
  );
  assert.deepEqual(calls, [true], 'the refused message never reached the handler');
  assert.throws(
    () =>
      guardIpc(
        'echo:run-shell',
        () => api,
        () => undefined,
      ),
    IpcRefusedError,
  );
});
