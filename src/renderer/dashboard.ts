import type { MachineSummary, SleepGap } from '../shared/api/index.ts';
import { MACHINE_STATES } from '../shared/model/capture-types.ts';

/** What the dashboard shows of a machine: an entry of `GET /api/v1/machines` (the wire type). */
export type MachineView = MachineSummary;

/**
 * When Echo was asleep (the status's top-level `asleep`, newest first): a gap in every machine's
 * history that is not its downtime.
 */
export type { SleepGap };

/** The filter buttons: every normalized state, as the collectors report them. */
export const STATES = ['all', ...MACHINE_STATES] as const;

export const LABEL: Record<string, string> = {
  printing: 'Running',
  idle: 'Idle',
  paused: 'Paused',
  error: 'Error',
  offline: 'Offline',
  maintenance: 'Maintenance',
  unknown: 'Unknown',
};

export function stateOf(machine: MachineView): string {
  return machine.live?.snapshot.state ?? machine.status?.state ?? 'unknown';
}

export function matches(machine: MachineView, filter: string, search: string): boolean {
  if (filter !== 'all' && stateOf(machine) !== filter) return false;
  const needle = search.trim().toLowerCase();
  if (!needle) return true;
  return [machine.name, machine.collector, machine.live?.snapshot.job?.name ?? ''].some((text) =>
    text.toLowerCase().includes(needle),
  );
}

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : `${m} min`;
}

export function ago(iso: string | undefined, now: number): string {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 60 ? `${s} s ago` : `${Math.floor(s / 60)} min ago`;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  text?: string,
) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The tile's second line: collector and how long ago the machine was last heard. */
export function metaText(machine: MachineView, now: number): string {
  return `${machine.collector} · seen ${ago(machine.live?.lastSeenAt, now)}`;
}

/** What a tile shows, as text: a tile is redrawn only when this changes. */
export interface TileText {
  state: string;
  job?: string;
  /** 0–100 where the machine reports progress. */
  progress?: number;
  gauges: string[];
  problem?: string;
}

export function tileText(machine: MachineView): TileText {
  const state = stateOf(machine);
  const text: TileText = { state, gauges: [] };
  const job = machine.live?.snapshot.job;
  if (job) {
    const parts = [job.name];
    if (job.progress !== undefined) parts.push(`${job.progress.toFixed(0)} %`);
    if (job.remainingSeconds !== undefined && !job.result)
      parts.push(`${duration(job.remainingSeconds)} left`);
    if (job.layer !== undefined && job.layers && !job.result) parts.push(`layer ${job.layer}/${job.layers}`);
    // An ended job the machine still shows: say how it ended instead of a time left.
    if (job.result) parts.push(job.result);
    text.job = parts.join(' · ');
    if (job.progress !== undefined) text.progress = Math.round(Math.min(100, Math.max(0, job.progress)));
  }
  for (const g of machine.live?.snapshot.gauges.slice(0, 3) ?? []) {
    const target = g.target ? ` → ${g.target}` : '';
    text.gauges.push(`${g.name.replace(/_/g, ' ')}: ${Math.round(g.value * 10) / 10}${target} ${g.unit}`);
  }
  const problem =
    machine.live?.snapshot.errors[0] ?? (state === 'offline' ? machine.live?.lastError : undefined);
  if (problem) text.problem = problem;
  return text;
}

/**
 * The tile's identity for redraws: what it displays, not the raw snapshot (a temperature moving
 * by 0.01 ° or a new poll time must not rebuild 500 tiles a second). Cheaper than serializing.
 */
export function tileKey(machine: MachineView, text: TileText): string {
  return [
    machine.collector,
    text.state,
    text.job ?? '',
    text.progress ?? '',
    text.problem ?? '',
    ...text.gauges,
  ].join('\u0000');
}

/** One machine's tile, built from text nodes only (machine data is never parsed as HTML). */
export function renderTile(machine: MachineView, now: number, text = tileText(machine)): HTMLLIElement {
  const { state } = text;
  const tile = el('li', { class: 'tile', 'data-machine': machine.name, 'data-state': state });
  tile.style.setProperty('--state-colour', `var(--${state in LABEL ? state : 'unknown'})`);
  const heading = el('h3');
  heading.append(el('a', { href: `#/machine/${encodeURIComponent(machine.name)}` }, machine.name));
  tile.append(heading);
  tile.append(el('p', { class: 'meta' }, metaText(machine, now)));
  tile.append(el('span', { class: 'badge' }, LABEL[state] ?? state));
  if (text.job) tile.append(el('p', { class: 'job' }, text.job));
  if (text.progress !== undefined) {
    const bar = el('div', {
      class: 'progress',
      role: 'progressbar',
      'aria-label': `${machine.name} progress`,
      'aria-valuemin': '0',
      'aria-valuemax': '100',
      'aria-valuenow': String(text.progress),
    });
    const fill = el('span');
    fill.style.width = `${text.progress}%`;
    bar.append(fill);
    tile.append(bar);
  }
  if (text.gauges.length > 0) {
    const list = el('ul', { class: 'gauges' });
    for (const line of text.gauges) list.append(el('li', {}, line));
    tile.append(list);
  }
  if (text.problem) tile.append(el('p', { class: 'error' }, text.problem));
  return tile;
}
