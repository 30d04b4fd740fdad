// The Electron main process: glue between Electron and the tested decisions of this folder.
// It starts the agent core (the same bundle the headless service runs) in a utility process,
// shows the UI the core serves, and keeps a tray icon. Built by `npm run build:desktop`; run by
// the packaged app (see docs/packaging.md and src/main/README.md for the manual checks).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import {
  app,
  BrowserWindow,
  dialog,
  type IpcMainInvokeEvent,
  ipcMain,
  Menu,
  type MenuItemConstructorOptions,
  nativeImage,
  safeStorage,
  session,
  shell,
  Tray,
  utilityProcess,
} from 'electron';
import electronUpdater from 'electron-updater';
// The client only (no zod at run time): importing the contract's index would bundle the route
// table's schemas into main.mjs.
import { type ApiClient, ApiError, createApiClient } from '../shared/api/client.ts';
import type { AgentStatus } from '../shared/api/index.ts';
import { BOOTSTRAP_CHANNEL, NATIVE_ACTIONS, type NativeAction } from '../shared/ipc-channels.ts';
import { CoreSupervisor } from './core-supervisor.ts';
import { bootstrapReply, guardIpc } from './ipc-guard.ts';
import { decideNavigation, decidePermission, decideWindowOpen } from './navigation.ts';
import { answerProxyRequest } from './proxy-answer.ts';
import { loadOrCreateSecretsKey, secretsEnv } from './secrets-key.ts';
import {
  answerFailure,
  confirmationQuestion,
  type TrayAction,
  type TrayMenuItem,
  trayMenu,
} from './tray-menu.ts';
import { type OverallState, overallState, type TrayStatus, trayTitle } from './tray-state.ts';
import { updateFeed } from './update-feed.ts';
import { authenticodeCommand, decideInstall, judgeSignature } from './update-install.ts';
import { operatorWindowOptions, WINDOW_CSP } from './window-options.ts';

const { autoUpdater } = electronUpdater;
const dataDir = join(app.getPath('userData'), 'data');
const configFile = join(app.getPath('userData'), 'echo.yml');
const resources = app.isPackaged ? process.resourcesPath : join(import.meta.dirname, '..', 'resources');
let window: BrowserWindow | undefined;
let tray: Tray | undefined;
let endpoint: { url: string; token: string } | undefined;
let lastStderr = '';
let quitting = false;

if (!app.requestSingleInstanceLock()) app.quit();

function readEndpoint(): { url: string; token: string } | undefined {
  const file = join(dataDir, 'api.json');
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as { url: string; token: string };
}

const supervisor = new CoreSupervisor(
  () => {
    const args = existsSync(configFile) ? ['run', '--config', configFile] : ['run'];
    const secretsKey = loadOrCreateSecretsKey(
      join(app.getPath('userData'), 'secrets.key'),
      dataDir,
      safeStorage,
    );
    const child = utilityProcess.fork(join(import.meta.dirname, 'echo-agent.mjs'), args, {
      // The core's secret store is encrypted with a key the OS keychain keeps (safeStorage), or
      // the core is told why not (it says so in `status` and its log).
      // With an update feed of its own (electron-updater), the core does not look in the cloud.
      env: {
        ...process.env,
        ECHO_DATA_DIR: dataDir,
        ...secretsEnv(secretsKey),
        ...(configuredFeed().feed ? { ECHO_UPDATES_CHECK: 'off' } : {}),
      },
      stdio: 'pipe',
      serviceName: 'Echo agent',
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      lastStderr = (lastStderr + chunk.toString()).slice(-2000);
    });
    // The core asks how to reach its cloud: the system's proxy settings, PAC and WPAD (docs/network.md).
    child.on('message', (message: unknown) => {
      void answerProxyRequest(message, (url) => session.defaultSession.resolveProxy(url)).then((reply) => {
        if (reply) child.postMessage(reply);
      });
    });
    return child;
  },
  {
    started: () => void waitForApi(),
    died: (reason, restartInMs) => {
      setTray('offline', `Echo: ${reason}`);
      if (restartInMs === undefined) {
        dialog.showErrorBox(
          'Echo stopped',
          `${reason}\n\nFix the cause (see the log in ${dataDir}) and start Echo again.`,
        );
      }
    },
  },
  () => lastStderr.split('\n').filter(Boolean).slice(-1)[0] ?? '',
);

async function waitForApi(): Promise<void> {
  for (let i = 0; i < 100 && !quitting; i++) {
    endpoint = readEndpoint();
    if (endpoint) {
      if (window) await window.loadURL(`${endpoint.url}/ui/`);
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

function createWindow(): void {
  window = new BrowserWindow(operatorWindowOptions(join(import.meta.dirname, 'preload.cjs')));
  window.once('ready-to-show', () => window?.show());
  // Closing the window keeps the agent running in the tray.
  window.on('close', (event) => {
    if (quitting) return;
    event.preventDefault();
    window?.hide();
  });
  window.webContents.on('will-navigate', (event, url) => {
    const decision = decideNavigation(url, endpoint ? new URL(endpoint.url).origin : 'null');
    if (decision.action === 'deny') {
      event.preventDefault();
      if (decision.openExternally) void shell.openExternal(decision.openExternally);
    }
  });
  window.webContents.setWindowOpenHandler(({ url }) => {
    const decision = decideWindowOpen(url);
    if (decision.action === 'deny' && decision.openExternally)
      void shell.openExternal(decision.openExternally);
    return { action: 'deny' };
  });
  if (endpoint) void window.loadURL(`${endpoint.url}/ui/`);
}

const TRAY_ICONS: Record<OverallState, string> = {
  ok: 'tray.png',
  degraded: 'tray-degraded.png',
  offline: 'tray-offline.png',
  signed_out: 'tray-degraded.png',
};

/** The typed local-API client, once the core wrote its address and token (api.json). */
function api(): ApiClient | undefined {
  return endpoint ? createApiClient({ baseUrl: endpoint.url, token: endpoint.token }) : undefined;
}

/**
 * Icon and tooltip; the title beside the icon (macOS only; elsewhere the tooltip and the menu
 * carry it) says how many commands wait for the operator.
 */
function setTray(state: OverallState, tooltip: string, title = ''): void {
  tray?.setImage(nativeImage.createFromPath(join(resources, TRAY_ICONS[state])));
  tray?.setToolTip(tooltip);
  if (process.platform === 'darwin') tray?.setTitle(title);
}

let shownMenu = '';

/** Renders the menu model (tray-menu.ts), only when it changed: rebuilding closes an open menu. */
function setTrayMenu(status: TrayStatus | undefined): void {
  const items = trayMenu(status, app.getLoginItemSettings().openAtLogin);
  const key = JSON.stringify(items);
  if (!tray || key === shownMenu) return;
  shownMenu = key;
  tray.setContextMenu(Menu.buildFromTemplate(items.map(menuItem)));
}

function menuItem(item: TrayMenuItem): MenuItemConstructorOptions {
  switch (item.type) {
    case 'separator':
      return { type: 'separator' };
    case 'note':
      return { label: item.label, enabled: false };
    case 'action':
      return { label: item.label, click: () => void runTrayAction(item.action, false) };
    case 'checkbox':
      return {
        label: item.label,
        type: 'checkbox',
        checked: item.checked,
        click: (menuItem) => void runTrayAction(item.action, menuItem.checked),
      };
  }
}

async function runTrayAction(action: TrayAction, checked: boolean): Promise<void> {
  switch (action.kind) {
    case 'open':
      return void (window ? window.show() : createWindow());
    case 'startAtLogin':
      return app.setLoginItemSettings({ openAtLogin: checked });
    case 'pauseCollection':
      try {
        await api()?.call('collection', { body: { paused: checked } });
      } catch (error) {
        const what = checked ? 'paused' : 'resumed';
        dialog.showErrorBox('Echo', `Collection was not ${what}: ${(error as Error).message}`);
      }
      // The checkbox shows the status's word again, whatever the click did.
      shownMenu = '';
      return refreshTray();
    case 'quit':
      return app.quit();
    case 'answer':
      return answerCommand(action.id, action.confirm, action.what);
  }
}

/** Confirms or refuses a command from the tray; says so when it was not taken (tray-menu.ts). */
async function answerCommand(id: number, confirm: boolean, what: string): Promise<void> {
  if (confirm) {
    const question = confirmationQuestion(what);
    const { response } = await dialog.showMessageBox({
      type: 'question',
      ...question,
      noLink: true,
    });
    if (response !== 0) return;
  }
  try {
    const client = api();
    if (!client) throw new Error('no local API yet');
    const request = { params: { id: String(id) } };
    await (confirm ? client.call('confirmCommand', request) : client.call('refuseCommand', request));
  } catch (error) {
    dialog.showErrorBox('Echo', answerFailure(error, confirm));
  }
  await refreshTray();
}

/** Reads the status and shows it: icon, tooltip, title and the menu with the waiting commands. */
async function refreshTray(): Promise<void> {
  const client = api();
  if (!client) {
    setTrayMenu(undefined);
    return setTray('offline', 'Echo: starting the agent…');
  }
  let status: AgentStatus | undefined;
  try {
    status = await client.call('status');
  } catch {
    setTrayMenu(undefined);
    return setTray('offline', 'Echo: the agent is not answering');
  }
  const { state, tooltip } = overallState(status);
  setTray(state, tooltip, trayTitle(status));
  setTrayMenu(status);
}

function createTray(): void {
  tray = new Tray(nativeImage.createFromPath(join(resources, 'tray.png')));
  setTrayMenu(undefined);
  tray.on('click', () => window?.show());
  setInterval(() => void refreshTray(), 5000);
}

/**
 * Only the bridge's channels have handlers (a page asking for anything else gets no answer), and
 * each answers only the UI's own top-level frame (ipc-guard.ts): another frame gets no token and
 * no native action.
 */
function registerIpc(): void {
  const uiOrigin = () => (endpoint ? new URL(endpoint.url).origin : undefined);
  ipcMain.on(BOOTSTRAP_CHANNEL, (event) => {
    event.returnValue = bootstrapReply(event.senderFrame, endpoint);
  });
  const actions: Record<NativeAction, (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown> = {
    openDataFolder: () => shell.openPath(dataDir),
    openLogsFolder: () => shell.openPath(join(dataDir, 'logs')),
    setStartAtLogin: (_event, enabled) => app.setLoginItemSettings({ openAtLogin: enabled === true }),
    saveDiagnostics: async () => {
      const client = api();
      if (!client) return undefined;
      const target = await dialog.showSaveDialog({ defaultPath: 'echo-diagnostics.zip' });
      if (target.canceled || !target.filePath) return undefined;
      const response = await client.open('diagnostics');
      if (!response.ok) throw new ApiError(response.status, undefined, 'the agent did not make the zip');
      const { writeFile } = await import('node:fs/promises');
      await writeFile(target.filePath, Buffer.from(await response.arrayBuffer()));
      return target.filePath;
    },
    installUpdate: (_event, path) => installUpdate(path),
  };
  for (const [action, handler] of Object.entries(actions)) {
    const channel = NATIVE_ACTIONS[action as NativeAction];
    ipcMain.handle(channel, guardIpc(channel, uiOrigin, handler));
  }
}

app.on('second-instance', () => window?.show());
app.on('before-quit', (event) => {
  if (quitting) return;
  quitting = true;
  event.preventDefault();
  void supervisor.stop().then(() => app.quit());
});
app.on('window-all-closed', () => {
  // The agent lives on in the tray.
});

void app.whenReady().then(() => {
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) =>
    callback(decidePermission(permission)),
  );
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [WINDOW_CSP] } });
  });
  registerIpc();
  createTray();
  supervisor.start();
  createWindow();
  startAutoUpdate();
});

/**
 * An update the core downloaded and verified (`POST /api/v1/update/download`): run only from
 * `<data_dir>/updates/`, and on Windows only with a valid Authenticode signature (update-install.ts).
 */
async function installUpdate(requested: unknown): Promise<{ ok: boolean; message?: string }> {
  const decision = decideInstall(requested, dataDir, process.platform, (p) => realpathSync.native(p));
  if (decision.action === 'refuse') return { ok: false, message: decision.reason };
  if (decision.checkSignature) {
    const call = authenticodeCommand(decision.path);
    const stdout = await new Promise<string>((resolve) => {
      execFile(
        call.command,
        call.args,
        { env: { ...process.env, ...call.env }, windowsHide: true, timeout: 60_000 },
        (error, out) => resolve(error ? '' : String(out)),
      );
    });
    const verdict = judgeSignature(stdout);
    if (!verdict.ok) return { ok: false, message: verdict.reason };
  }
  const failure = await shell.openPath(decision.path);
  return failure ? { ok: false, message: failure } : { ok: true };
}

let feedChoice: { feed: string | undefined; problem?: string } | undefined;

/** The electron-updater feed (update-feed.ts), read once: the core's env and the updater share it. */
function configuredFeed(): { feed: string | undefined; problem?: string } {
  if (!feedChoice) {
    const file = join(resources, 'update.json');
    try {
      feedChoice = {
        feed: updateFeed(process.env, existsSync(file) ? readFileSync(file, 'utf8') : undefined),
      };
    } catch (error) {
      feedChoice = { feed: undefined, problem: (error as Error).message };
    }
  }
  return feedChoice;
}

/** electron-updater, only when a feed is configured (off by default: docs/packaging.md). */
function startAutoUpdate(): void {
  const { feed, problem } = configuredFeed();
  if (problem) {
    dialog.showErrorBox('Echo updates', `The update feed is not usable: ${problem}`);
    return;
  }
  if (!feed || !app.isPackaged) return;
  autoUpdater.setFeedURL({ provider: 'generic', url: feed });
  void autoUpdater.checkForUpdatesAndNotify();
  setInterval(() => void autoUpdater.checkForUpdatesAndNotify(), 6 * 3600_000);
}
