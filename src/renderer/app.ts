import type { AgentStatus, StatusDeltaOf } from '../shared/api/index.ts';
import { followEvents, takeToken } from './api-client.ts';
import { ago, type MachineView, stateOf } from './dashboard.ts';
import { el, notice } from './dom.ts';
import { GaugeHistory } from './gauge-history.ts';
import { mergeDelta } from './status-stream.ts';
import { SyncRate } from './sync-rate.ts';
import { accountView } from './views/account.ts';
import { addMachineView } from './views/add-machine.ts';
import { logsView } from './views/logs.ts';
import { MachineDetailView } from './views/machine-detail.ts';
import { MachinesView } from './views/machines.ts';
import { settingsView } from './views/settings.ts';
import { syncView } from './views/sync.ts';
import { showUpdate } from './views/update-banner.ts';

/** The event stream's status: `GET /api/v1/status`, the wire type. */
type StatusEvent = AgentStatus;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const machines = new MachinesView();
const history = new GaugeHistory();
let detail: MachineDetailView | undefined;
/** The Sync screen's live figures, while it is shown. */
let syncLive: ((status: StatusEvent) => void) | undefined;
const rate = new SyncRate();
let latest: StatusEvent | undefined;
let token = '';

function summary(status: StatusEvent): string {
  const { cloud, backlog } = status;
  const pending = Object.entries(backlog.captures)
    .filter(([state]) => state !== 'acknowledged' && state !== 'dead')
    .reduce((n, [, count]) => n + count, 0);
  const cloudText = !cloud.enabled
    ? 'collection paused by the cloud'
    : status.collection === 'paused_by_operator'
      ? 'collection paused (tray menu or API); stored data is still sent'
      : status.collection === 'paused_store_full'
        ? 'collection paused: the store cannot take new records (see above); stored data is still sent'
        : cloud.auth !== 'signed_in'
          ? 'signed out: collecting and keeping data until you sign in'
          : cloud.reachable
            ? `cloud reachable${status.network?.route === 'proxy' ? ` through the proxy ${status.network.proxy}` : ''}`
            : 'cloud unreachable: data is kept and sent later';
  const running = status.machines.filter((m) => stateOf(m) === 'printing').length;
  return `Health ${cloud.health.health} · ${cloudText} · last sync ${ago(cloud.lastSyncAt, Date.now())} · ${pending} captures waiting · ${running} of ${status.machines.length} machines running`;
}

/** A full disk or an unwritable store, in the agent's own words, until it is over. */
function showStoreCondition(status: StatusEvent): void {
  const banner = $('store-condition');
  const condition = status.store?.condition;
  const problem = condition && condition.state !== 'ok';
  banner.hidden = !problem;
  banner.textContent = problem ? (condition.message ?? condition.state) : '';
}

/**
 * The network check, when the cloud does not answer the way Echo reaches it (a proxy that refuses,
 * a TLS-inspecting proxy's CA not trusted), in the check's own words (docs/network.md).
 */
function showNetwork(status: StatusEvent): void {
  const banner = $('network');
  const check = status.network;
  const problem = check !== undefined && !check.reachable;
  banner.hidden = !problem;
  banner.textContent = problem ? `Network: ${check.summary}` : '';
}

/** What the status says of the open commands: a machine screen reads its list again when it changes. */
function commandsKey(status: StatusEvent | undefined): string {
  return JSON.stringify(status?.commands ?? null);
}

/**
 * Commands that wait for the operator (start_job), named in the header on every screen, each a
 * link to its machine, where it is confirmed or refused.
 */
function showConfirmations(status: StatusEvent): void {
  const banner = $('confirmations');
  const awaiting = status.commands?.awaiting ?? [];
  banner.hidden = awaiting.length === 0;
  const key = JSON.stringify(awaiting);
  if (banner.dataset.key === key) return;
  banner.dataset.key = key;
  banner.replaceChildren(
    ...(awaiting.length === 0
      ? []
      : [
          `${awaiting.length === 1 ? 'A remote command waits' : `${awaiting.length} remote commands wait`} for your confirmation: `,
          ...awaiting.flatMap((command, i) => [
            ...(i > 0 ? [', '] : []),
            el(
              'a',
              { href: `#/machine/${encodeURIComponent(command.machine)}` },
              `${command.type} on ${command.machine}`,
            ),
          ]),
        ]),
  );
}

/** Shows the screen the address names (`#/`, `#/add`, `#/sync`, `#/account`). */
async function route(): Promise<void> {
  const view = $('view');
  const path = location.hash.replace(/^#/, '') || '/';
  for (const link of document.querySelectorAll<HTMLAnchorElement>('nav a')) {
    if (link.getAttribute('href') === `#${path}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  detail = undefined;
  syncLive = undefined;
  try {
    const editPath = /^\/machine\/(.+)\/edit$/.exec(path);
    const machinePath = /^\/machine\/(.+)$/.exec(path);
    if (editPath) {
      const name = decodeURIComponent(editPath[1]!);
      view.replaceChildren(await addMachineView(token, () => undefined, name));
    } else if (machinePath) {
      const name = decodeURIComponent(machinePath[1]!);
      detail = new MachineDetailView(token, name, history);
      detail.update(
        latest?.machines.find((m) => m.name === name),
        latest?.asleep,
        commandsKey(latest),
      );
      view.replaceChildren(detail.element);
    } else if (path === '/add') view.replaceChildren(await addMachineView(token, () => undefined));
    else if (path === '/sync' && latest) {
      const sync = await syncView(token, rate);
      sync.update(latest);
      // Still on this screen after the await (the operator may have moved on).
      if (location.hash.replace(/^#/, '') === '/sync') syncLive = sync.update;
      view.replaceChildren(sync.element);
    } else if (path === '/settings') view.replaceChildren(await settingsView(token));
    else if (path === '/logs' && latest)
      view.replaceChildren(
        logsView(
          token,
          latest.machines.map((m) => m.name),
        ),
      );
    else if (path === '/account' && latest) view.replaceChildren(accountView(token, latest.cloud.auth));
    else view.replaceChildren(machines.element);
  } catch (error) {
    view.replaceChildren(notice(`This screen could not load: ${(error as Error).message}`, 'problem'));
  }
}

function start(): void {
  const found = takeToken();
  if (!found) {
    $('agent').textContent =
      'No access token: open Echo from the desktop app, or the address `echo-agent demo` prints.';
    return;
  }
  token = found;
  window.addEventListener('hashchange', () => void route());
  void route();
  followEvents(
    token,
    (type, data) => {
      if (type !== 'status' && !(type === 'delta' && latest)) return;
      const first = latest === undefined;
      // Marks for the UI bench (time to the first status and to the first drawn dashboard).
      if (first) performance.mark('echo:first-status');
      latest =
        type === 'delta' && latest
          ? mergeDelta(latest, data as StatusDeltaOf<StatusEvent, MachineView>)
          : (data as StatusEvent);
      $('agent').textContent = summary(latest);
      showStoreCondition(latest);
      showNetwork(latest);
      showConfirmations(latest);
      showUpdate($('update'), latest, token);
      machines.update(latest.machines);
      if (first) performance.mark('echo:first-render');
      history.add(latest.machines);
      rate.add(Date.now(), latest.counters);
      syncLive?.(latest);
      if (detail) {
        const name = /^#\/machine\/(.+)$/.exec(location.hash)?.[1];
        detail.update(
          latest.machines.find((m) => m.name === decodeURIComponent(name ?? '')),
          latest.asleep,
          commandsKey(latest),
        );
      }
      if (first) void route();
    },
    (connected, reason) => {
      if (!connected && reason) $('agent').textContent = reason;
    },
  );
}

start();
