import { call } from '../api-client.ts';
import { el, notice } from '../dom.ts';
import { type FieldSchema, readFields, renderFields } from './schema-form.ts';

interface CollectorInfo {
  id: string;
  vendor: string;
  models: string;
  protocol: string;
  connectionSchema: FieldSchema;
}

interface TestResult {
  ok: boolean;
  message: string;
  details?: { fingerprint?: string };
}

/**
 * The add-machine wizard: the vendor, a form generated from its collector's `connection` schema,
 * "Test connection" before saving (an unknown certificate can be accepted from here), and the
 * password into the agent's secret store.
 */
export async function addMachineView(token: string, done: () => void): Promise<HTMLElement> {
  const collectors = await call<CollectorInfo[]>(token, 'GET', '/api/v1/collectors');
  const section = el(
    'section',
    { 'aria-labelledby': 'add-title' },
    el('h2', { id: 'add-title' }, 'Add a machine'),
  );
  const form = el('form', { class: 'form', novalidate: '' });
  const vendor = el('select', { id: 'collector', name: 'collector', required: '' });
  vendor.append(el('option', { value: '' }, 'Choose…'));
  for (const c of collectors)
    vendor.append(el('option', { value: c.id }, `${c.vendor} — ${c.models} (${c.protocol})`));
  const name = el('input', { id: 'machine-name', name: 'machine-name', required: '', autocomplete: 'off' });
  const poll = el('input', { id: 'poll', name: 'poll', type: 'number', placeholder: '30', min: '1' });
  const user = el('input', { id: 'machine-user', name: 'machine-user', autocomplete: 'off' });
  const secret = el('input', {
    id: 'machine-secret',
    name: 'machine-secret',
    type: 'password',
    autocomplete: 'new-password',
  });
  const fields = el('div', { class: 'connection' });
  const result = el('div', { 'aria-live': 'polite' });
  const testButton = el('button', { type: 'button' }, 'Test connection');
  const saveButton = el('button', { type: 'submit' }, 'Save machine');
  form.append(
    el('label', { for: 'collector' }, 'Machine type'),
    vendor,
    el('label', { for: 'machine-name' }, 'Name (required)'),
    name,
    fields,
    el('label', { for: 'poll' }, 'Poll every (seconds)'),
    poll,
    el('label', { for: 'machine-user' }, 'User name (if the machine needs one)'),
    user,
    el('label', { for: 'machine-secret' }, 'Password or access code (kept in the secret store)'),
    secret,
    el('p', { class: 'actions' }, testButton, ' ', saveButton),
    result,
  );
  vendor.addEventListener('change', () => {
    const collector = collectors.find((c) => c.id === vendor.value);
    fields.replaceChildren(
      ...(collector
        ? [
            el(
              'fieldset',
              {},
              el('legend', {}, 'Connection'),
              ...renderFields(collector.connectionSchema, 'connection'),
            ),
          ]
        : []),
    );
  });

  const machine = () => ({
    name: name.value.trim(),
    collector: vendor.value,
    connection: readFields(form, 'connection.'),
    ...(poll.value ? { poll_interval: Number(poll.value) } : {}),
    ...(user.value ? { credentials: { username: user.value } } : {}),
  });
  const missing = (): string | undefined => {
    if (!vendor.value) return 'Choose the machine type.';
    if (!name.value.trim()) return 'Give the machine a name.';
    return undefined;
  };

  testButton.addEventListener('click', async () => {
    const problem = missing();
    if (problem) return result.replaceChildren(notice(problem, 'problem'));
    result.replaceChildren(notice('Testing…', 'ok'));
    try {
      // A password not yet stored goes in this request only.
      const test = await call<TestResult>(token, 'POST', '/api/v1/machines/test', {
        machine: machine(),
        ...(secret.value ? { password: secret.value } : {}),
      });
      const nodes: HTMLElement[] = [
        notice(
          test.ok ? `Connected: ${test.message}` : `Could not connect: ${test.message}`,
          test.ok ? 'ok' : 'problem',
        ),
      ];
      const fingerprint = test.details?.fingerprint;
      const pin = form.querySelector<HTMLInputElement>(
        '[name="connection.tls.fingerprint"], [name="connection.security.server_certificate_fingerprint"]',
      );
      if (!test.ok && fingerprint && pin) {
        const accept = el('button', { type: 'button' }, 'Accept this certificate');
        accept.addEventListener('click', () => {
          pin.value = fingerprint;
          result.replaceChildren(notice('Certificate accepted for this machine; test again.', 'ok'));
        });
        nodes.push(el('p', {}, `Fingerprint: ${fingerprint} `, accept));
      }
      result.replaceChildren(...nodes);
    } catch (error) {
      result.replaceChildren(notice(`Could not test: ${(error as Error).message}`, 'problem'));
    }
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const problem = missing();
    if (problem) return result.replaceChildren(notice(problem, 'problem'));
    try {
      await call(token, 'POST', '/api/v1/machines', {
        machine: machine(),
        ...(secret.value ? { password: secret.value } : {}),
      });
      secret.value = '';
      result.replaceChildren(notice(`${name.value.trim()} is added and being collected.`, 'ok'));
      done();
    } catch (error) {
      result.replaceChildren(notice(`Not saved: ${(error as Error).message}`, 'problem'));
    }
  });
  section.append(form);
  return section;
}
