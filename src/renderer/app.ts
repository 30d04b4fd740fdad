import { followEvents, takeToken } from './api-client.ts';
import { LABEL, type MachineView, matches, renderTile, STATES, stateOf } from './dashboard.ts';

interface StatusEvent {
  cloud: {
    reachable: boolean;
    auth: string;
    enabled: boolean;
    lastSyncAt?: string | null;
    health: { health: string };
  };
  backlog: { captures: Record<string, number>; logs: Record<string, number> };
  machines: MachineView[];
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
let filter = 'all';
let latest: StatusEvent | undefined;

function renderFilters(): void {
  const group = $('filters');
  group.replaceChildren(
    ...STATES.map((state) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = state === 'all' ? 'All' : (LABEL[state] ?? state);
      button.setAttribute('aria-pressed', String(state === filter));
      button.addEventListener('click', () => {
        filter = state;
        renderFilters();
        render();
      });
      return button;
    }),
  );
}

function render(): void {
  if (!latest) return;
  const { cloud, backlog, machines } = latest;
  const pending = Object.entries(backlog.captures)
    .filter(([state]) => state !== 'acknowledged' && state !== 'dead')
    .reduce((n, [, count]) => n + count, 0);
  const cloudText = !cloud.enabled
    ? 'collection paused by the cloud'
    : cloud.auth !== 'signed_in'
      ? 'signed out: collecting and keeping data until you sign in'
      : cloud.reachable
        ? 'cloud reachable'
        : 'cloud unreachable: data is kept and sent later';
  $('agent').textContent = `Health ${cloud.health.health} · ${cloudText} · ${pending} captures waiting · ${
    machines.filter((m) => stateOf(m) === 'printing').length
  } of ${machines.length} machines running`;
  const search = $<HTMLInputElement>('search').value;
  const now = Date.now();
  const shown = machines.filter((m) => matches(m, filter, search));
  $('tiles').replaceChildren(...shown.map((m) => renderTile(m, now)));
  $('empty').hidden = shown.length > 0;
}

function start(): void {
  renderFilters();
  $('search').addEventListener('input', render);
  const token = takeToken();
  if (!token) {
    $('agent').textContent =
      'No access token: open Echo from the desktop app, or the address `echo-agent status` prints.';
    return;
  }
  followEvents(
    token,
    (type, data) => {
      if (type !== 'status') return;
      latest = data as StatusEvent;
      render();
    },
    (connected, reason) => {
      if (!connected && reason) $('agent').textContent = reason;
    },
  );
}

start();
