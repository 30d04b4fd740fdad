import type { LogEntry } from '../../shared/api/index.ts';
import { api } from '../api-client.ts';
import { el, tableOf } from '../dom.ts';
import { diagnosticsButton } from './diagnostics-button.ts';

const LEVELS = ['', 'CRITICAL', 'ERROR', 'WARN', 'INFO', 'DEBUG'];

/** Recent log entries (the agent's and the machines'), searchable and filtered by level and machine. */
export function logsView(token: string, machines: readonly string[]): HTMLElement {
  const search = el('input', {
    id: 'log-search',
    type: 'search',
    placeholder: 'Words in the message',
    autocomplete: 'off',
  });
  const level = el('select', { id: 'log-level' });
  for (const l of LEVELS) level.append(el('option', { value: l }, l || 'Any level'));
  const machine = el('select', { id: 'log-machine' });
  machine.append(el('option', { value: '' }, 'Agent and every machine'));
  for (const m of machines) machine.append(el('option', { value: m }, m));
  const body = el('tbody');
  const count = el('p', { role: 'status' });
  const load = async () => {
    // Empty filters are left out of the query by the client.
    const query = { limit: '500', search: search.value.trim(), level: level.value, machine: machine.value };
    const entries: LogEntry[] = await api(token).call('logs', { query });
    body.replaceChildren(
      ...entries.map((e) =>
        el(
          'tr',
          { 'data-level': e.level },
          el('td', {}, new Date(e.timestamp).toLocaleString()),
          el('td', {}, e.level),
          el('td', {}, e.machine ?? e.source),
          el('td', {}, e.message),
        ),
      ),
    );
    count.textContent = `${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}${entries.length === 500 ? ' (the newest 500)' : ''}`;
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void load(), 250);
  };
  search.addEventListener('input', later);
  level.addEventListener('change', later);
  machine.addEventListener('change', later);
  void load();
  return el(
    'section',
    { 'aria-labelledby': 'logs-title' },
    el('h2', { id: 'logs-title' }, 'Logs'),
    el(
      'div',
      { class: 'toolbar' },
      el('label', { for: 'log-search' }, 'Search '),
      search,
      el('label', { for: 'log-level' }, 'Level '),
      level,
      el('label', { for: 'log-machine' }, 'Source '),
      machine,
    ),
    diagnosticsButton(token),
    count,
    tableOf(['Time', 'Level', 'Source', 'Message'], body, {
      caption: 'Recent log entries, newest first',
      class: 'logs',
    }),
  );
}
