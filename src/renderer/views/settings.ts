import type { RouteResponse, Routes, SettingSource, SettingsDocument } from '../../shared/api/index.ts';
import { api } from '../api-client.ts';
import { el, notice } from '../dom.ts';
import { type FieldSchema, fillFields, readFields, renderFields } from './schema-form.ts';

const SOURCE_TEXT: Record<SettingSource, string> = {
  app: 'Changed in the app.',
  config: 'From the configuration file (or the default).',
  environment: 'Set by an environment variable on this PC: change it there.',
};

/**
 * The settings an operator may change (cloud URL, intervals, store cap and policy, log level),
 * generated from the schema the core sends, with where each value comes from; every setting in
 * effect below; and the desktop app's own switch (start at login).
 */
export async function settingsView(token: string): Promise<HTMLElement> {
  const settings = await api(token).call('settings');
  const section = el(
    'section',
    { 'aria-labelledby': 'settings-title' },
    el('h2', { id: 'settings-title' }, 'Settings'),
  );
  section.append(editForm(token, settings, section), ...startAtLogin(), inEffect(settings));
  return section;
}

function editForm(token: string, settings: SettingsDocument, section: HTMLElement): HTMLElement {
  const { schema, values, sources } = settings.editable;
  const form = el('form', { id: 'settings-form', class: 'form', novalidate: '' });
  const result = el('div', { id: 'settings-result' });
  form.append(...renderFields(schema as FieldSchema));
  fillFields(form, values);
  for (const [path, source] of Object.entries(sources)) {
    const input = form.querySelector<HTMLInputElement | HTMLSelectElement>(`[name="${path}"]`);
    if (!input) continue;
    if (source === 'environment') input.disabled = true;
    const note = el('small', { class: 'source', 'data-source': source }, SOURCE_TEXT[source]);
    if (source === 'app') {
      const reset = el('button', { type: 'button', class: 'link' }, 'Use the configuration file’s value');
      reset.addEventListener('click', () => void save({ [path]: null }));
      note.append(' ', reset);
    }
    (input.nextElementSibling?.tagName === 'SMALL' ? input.nextElementSibling : input).after(note);
  }
  // Another cloud is a move, not a tweak: say what it means before it is saved.
  const cloudUrl = form.querySelector<HTMLInputElement>('[name="cloud.url"]');
  if (cloudUrl) {
    const warning = el(
      'small',
      { class: 'warning', id: 'cloud-url-warning', hidden: '' },
      'Another cloud: Echo registers there anew and you sign in to it; data not yet sent goes there.',
    );
    cloudUrl.after(warning);
    cloudUrl.setAttribute(
      'aria-describedby',
      `${cloudUrl.getAttribute('aria-describedby') ?? ''} cloud-url-warning`.trim(),
    );
    cloudUrl.addEventListener('input', () => {
      warning.hidden = cloudUrl.value.trim() === String(values.cloud?.url ?? '');
    });
  }
  const saveButton = el('button', { type: 'submit' }, 'Save settings');
  const save = async (changes: Record<string, unknown>) => {
    if (Object.keys(changes).length === 0) {
      result.replaceChildren(notice('Nothing changed.', 'ok'));
      return;
    }
    const patch: Record<string, Record<string, unknown>> = {};
    for (const [path, value] of Object.entries(changes)) {
      const [group, key] = path.split('.') as [string, string];
      patch[group] ??= {};
      patch[group][key] = value;
    }
    result.replaceChildren(notice('Saving…', 'ok'));
    // One save at a time: a second click would reach a core that is restarting.
    saveButton.disabled = true;
    let answer: RouteResponse<Routes['updateSettings']>;
    try {
      answer = await api(token).call('updateSettings', { body: patch });
    } catch (error) {
      saveButton.disabled = false;
      result.replaceChildren(notice(`Not saved: ${(error as Error).message}`, 'problem'));
      return;
    }
    if (!answer.restarting) {
      saveButton.disabled = false;
      result.replaceChildren(notice('Saved. They apply when Echo starts next.', 'ok'));
      return;
    }
    result.replaceChildren(notice('Saved. Echo restarts its core to apply them…', 'ok'));
    try {
      section.replaceWith(await afterRestart(token));
    } catch (error) {
      saveButton.disabled = false;
      result.replaceChildren(
        notice(
          `Saved, but Echo has not answered since its restart (${(error as Error).message}): see the tray or \`echo-agent status\`, then reload this page.`,
          'problem',
        ),
      );
    }
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const filled = readFields(form, '');
    const changes: Record<string, unknown> = {};
    for (const [group, fields] of Object.entries(filled)) {
      for (const [key, value] of Object.entries(fields as Record<string, unknown>)) {
        if (values[group]?.[key] !== value) changes[`${group}.${key}`] = value;
      }
    }
    void save(changes);
  });
  form.append(
    el(
      'p',
      {},
      'Saving restarts the agent core for a few seconds; nothing collected is lost (it is in the store).',
    ),
    el('div', { class: 'actions' }, saveButton),
    result,
  );
  return form;
}

/** Waits for the restarted core (same address and token), then shows the settings it runs with. */
async function afterRestart(token: string): Promise<HTMLElement> {
  const until = Date.now() + 30_000;
  await new Promise((r) => setTimeout(r, 500));
  for (;;) {
    try {
      const view = await settingsView(token);
      view.prepend(notice('Saved and applied.', 'ok'));
      return view;
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Every setting in effect (no secrets), and where the file is. */
function inEffect(settings: SettingsDocument): HTMLElement {
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
  const { editable: _editable, restartable: _restartable, ...shown } = settings;
  add('', shown);
  return el(
    'details',
    {},
    el('summary', {}, 'All settings in effect'),
    el(
      'p',
      {},
      `Machines, credentials and everything else come from ${settings.configFile ? `the configuration file ${settings.configFile}` : 'the built-in defaults'} (docs/configuration.md lists every key). Settings changed here are kept in settings.local.json in the data folder and win over the file.`,
    ),
    el(
      'table',
      { class: 'counts' },
      el('caption', { class: 'visually-hidden' }, 'Settings in effect'),
      el('tbody', {}, ...rows),
    ),
  );
}

/** The desktop app's own switch: start at login (not available in a browser). */
function startAtLogin(): HTMLElement[] {
  const bridge = window.echo;
  if (!bridge) return [];
  const box = el('input', { id: 'start-at-login', type: 'checkbox' });
  const result = el('div');
  box.addEventListener('change', async () => {
    await bridge.setStartAtLogin(box.checked);
    result.replaceChildren(
      notice(box.checked ? 'Echo will start when you log in.' : 'Echo will not start at login.', 'ok'),
    );
  });
  return [el('p', {}, el('label', { for: 'start-at-login' }, box, ' Start Echo when I log in')), result];
}
