import { call } from '../api-client.ts';
import { el, notice } from '../dom.ts';

/** The settings in effect, where they come from, and the desktop app's own switches. */
export async function settingsView(token: string): Promise<HTMLElement> {
  const settings = await call<Record<string, unknown>>(token, 'GET', '/api/v1/settings');
  const rows: HTMLTableRowElement[] = [];
  const add = (prefix: string, value: unknown) => {
    if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) add(prefix ? `${prefix}.${k}` : k, v);
    } else {
      rows.push(
        el('tr', {}, el('th', { scope: 'row' }, prefix), el('td', {}, value === null ? '—' : String(value))),
      );
    }
  };
  add('', settings);
  const section = el(
    'section',
    { 'aria-labelledby': 'settings-title' },
    el('h2', { id: 'settings-title' }, 'Settings'),
    el(
      'p',
      {},
      `These are the settings in effect. They come from ${settings.configFile ? `the configuration file ${String(settings.configFile)}` : 'the built-in defaults'}; change them there (docs/configuration.md lists every key) and restart Echo.`,
    ),
    el(
      'table',
      { class: 'counts' },
      el('caption', { class: 'visually-hidden' }, 'Settings in effect'),
      el('tbody', {}, ...rows),
    ),
  );
  // The desktop app's own switch: start at login (not available in a browser).
  const bridge = window.echo as
    | (typeof window.echo & { setStartAtLogin?: (on: boolean) => Promise<void> })
    | undefined;
  if (bridge?.setStartAtLogin) {
    const box = el('input', { id: 'start-at-login', type: 'checkbox' });
    const result = el('div');
    box.addEventListener('change', async () => {
      await bridge.setStartAtLogin?.(box.checked);
      result.replaceChildren(
        notice(box.checked ? 'Echo will start when you log in.' : 'Echo will not start at login.', 'ok'),
      );
    });
    section.append(
      el('p', {}, el('label', { for: 'start-at-login' }, box, ' Start Echo when I log in')),
      result,
    );
  }
  return section;
}
