import type { AgentStatus } from '../../shared/api/index.ts';
import { api } from '../api-client.ts';
import { el, notice, tableOf } from '../dom.ts';
import type { SyncRate } from '../sync-rate.ts';
import { diagnosticsButton } from './diagnostics-button.ts';

/** What the Sync screen shows live: its part of the status event. */
export type SyncScreenStatus = Pick<AgentStatus, 'backlog' | 'counters' | 'alerts'>;

const perMinute = (value: number | undefined) =>
  value === undefined ? 'measuring…' : `${value < 10 ? value.toFixed(1) : Math.round(value)} a minute`;

/**
 * Backlog per kind, how fast records leave, quarantines, dead-lettered captures with retry and
 * discard, and the diagnostics bundle. `update` keeps the figures live with the event stream.
 */
export async function syncView(
  token: string,
  rate: SyncRate,
): Promise<{ element: HTMLElement; update(status: SyncScreenStatus): void }> {
  const section = el('section', { 'aria-labelledby': 'sync-title' }, el('h2', { id: 'sync-title' }, 'Sync'));
  const counts = el('tbody');
  const speed = el('tbody');
  const quarantines = el('div');
  const result = el('div', { 'aria-live': 'polite' });
  section.append(
    el('table', { class: 'counts' }, el('caption', {}, 'What the store holds'), counts),
    el('table', { class: 'counts' }, el('caption', {}, 'Sent to the cloud (last minute)'), speed),
    quarantines,
  );
  const row = (label: string, value: string) =>
    el('tr', {}, el('th', { scope: 'row' }, label), el('td', {}, value));
  const update = (status: SyncScreenStatus) => {
    counts.replaceChildren(
      ...Object.entries(status.backlog.captures).map(([state, n]) => row(`captures ${state}`, String(n))),
      ...Object.entries(status.backlog.logs).map(([state, n]) => row(`log entries ${state}`, String(n))),
    );
    speed.replaceChildren(
      row('captures', perMinute(rate.perMinute('captures_acknowledged'))),
      row('log entries', perMinute(rate.perMinute('logs_sent'))),
    );
    const stored = status.alerts.filter((a) => a.kind === 'store_quarantine');
    quarantines.replaceChildren(
      ...(stored.length === 0
        ? []
        : [
            el('h3', {}, 'Quarantines'),
            ...stored.map((a) => {
              const dismiss = el('button', { type: 'button', class: 'secondary' }, 'Dismiss');
              dismiss.addEventListener('click', async () => {
                dismiss.disabled = true;
                try {
                  await api(token).call('clearAlert', { params: { id: String(a.id) } });
                  result.replaceChildren(notice('Alert dismissed.', 'ok'));
                } catch (error) {
                  dismiss.disabled = false;
                  result.replaceChildren(notice(`Not dismissed: ${(error as Error).message}`, 'problem'));
                }
              });
              const line = notice(`${new Date(a.createdAt).toLocaleString()}: ${a.message} `, 'problem');
              line.append(dismiss);
              return line;
            }),
          ]),
    );
  };

  const list = el('div');
  const load = async () => {
    const dead = await api(token).call('deadLetters');
    if (dead.length === 0) {
      list.replaceChildren(
        el('p', {}, 'No record is set aside: everything the cloud refused was retried or discarded.'),
      );
      return;
    }
    const body = el('tbody');
    for (const d of dead) {
      const retry = el('button', { type: 'button' }, 'Retry');
      retry.addEventListener('click', async () => {
        const { retried } = await api(token).call('retryDeadLetters', {
          body: { kind: 'captures', ids: [d.id] },
        });
        // The list first, then the notice: what the notice says is then what the screen shows.
        await load();
        result.replaceChildren(notice(`${retried} capture put back in the queue.`, 'ok'));
      });
      const discard = el('button', { type: 'button', class: 'secondary' }, 'Discard');
      discard.addEventListener('click', async () => {
        await api(token).call('discardDeadLetters', { body: { ids: [d.id] } });
        await load();
        result.replaceChildren(notice('Capture discarded.', 'ok'));
      });
      body.append(
        el(
          'tr',
          { 'data-dead-letter': String(d.id) },
          el('td', {}, d.machine),
          el('td', {}, d.captureTypeName),
          el('td', {}, d.lastError ?? ''),
          el('td', {}, retry, ' ', discard),
        ),
      );
    }
    list.replaceChildren(
      tableOf(['Machine', 'Capture type', 'Why', 'Action'], body, {
        caption: 'Set aside: the cloud refused these captures',
        captionVisible: true,
        class: 'dead',
      }),
    );
  };
  await load();

  section.append(list, result, diagnosticsButton(token));
  return { element: section, update };
}
