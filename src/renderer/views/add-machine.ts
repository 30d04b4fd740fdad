import type { SerialPorts } from '../../shared/api/index.ts';
import { api } from '../api-client.ts';
import { el, notice } from '../dom.ts';
import { type FieldSchema, fillFields, readFields, renderFields } from './schema-form.ts';

/**
 * The add-machine wizard: the vendor, a form generated from its collector's `connection` schema,
 * "Test connection" before saving (an unknown certificate can be accepted from here), and the
 * password into the agent's secret store.
 */
export async function addMachineView(
  token: string,
  done: () => void,
  editing?: string,
): Promise<HTMLElement> {
  const collectors = await api(token).call('collectors');
  const existing = editing ? await api(token).call('machine', { params: { name: editing } }) : undefined;
  if (editing && !existing?.machine) {
    return el(
      'section',
      {},
      notice(`${editing} is not a machine added in this app: change it where it is defined.`, 'problem'),
    );
  }
  const section = el(
    'section',
    { 'aria-labelledby': 'add-title' },
    el('h2', { id: 'add-title' }, editing ? `Edit ${editing}` : 'Add a machine'),
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
              ...renderFields(collector.connectionSchema as FieldSchema, 'connection'),
            ),
          ]
        : []),
    );
  });

  // Editing keeps what the form does not show (modeler, enabled…); the password stays stored.
  const { credentials: _stored, ...kept } = existing?.machine ?? {};
  const machine = () => ({
    ...kept,
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
    // One request at a time: a test can take the collector's whole timeout.
    testButton.disabled = true;
    try {
      // A password not yet stored goes in this request only.
      const test = await api(token).call('testMachine', {
        body: { machine: machine(), ...(secret.value ? { password: secret.value } : {}) },
      });
      const nodes: HTMLElement[] = [
        notice(
          test.ok ? `Connected: ${test.message}` : `Could not connect: ${test.message}`,
          test.ok ? 'ok' : 'problem',
        ),
      ];
      const given = test.details?.fingerprint;
      const fingerprint = typeof given === 'string' ? given : undefined;
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
    } finally {
      testButton.disabled = false;
    }
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const problem = missing();
    if (problem) return result.replaceChildren(notice(problem, 'problem'));
    saveButton.disabled = true;
    try {
      const body = { machine: machine(), ...(secret.value ? { password: secret.value } : {}) };
      if (editing) await api(token).call('updateMachine', { params: { name: editing }, body });
      else await api(token).call('addMachine', { body });
      secret.value = '';
      result.replaceChildren(
        notice(
          editing
            ? `${editing} is saved and collected with its new settings.`
            : `${name.value.trim()} is added and being collected.`,
          'ok',
        ),
      );
      done();
    } catch (error) {
      result.replaceChildren(notice(`Not saved: ${(error as Error).message}`, 'problem'));
    } finally {
      saveButton.disabled = false;
    }
  });
  // Discovery: machines announcing themselves on the network fill the form in one click.
  const found = el('div', { 'aria-live': 'polite' });
  const findButton = el('button', { type: 'button', class: 'secondary' }, 'Find machines on the network');
  findButton.addEventListener('click', async () => {
    found.replaceChildren(notice('Listening for machines for 3 seconds…', 'ok'));
    try {
      const result = await api(token).call('discover', { body: { seconds: 3 } });
      const items = result.machines.map((m) => {
        const use = el('button', { type: 'button' }, 'Use');
        use.addEventListener('click', () => {
          vendor.value = m.collector;
          vendor.dispatchEvent(new Event('change'));
          if (!name.value) name.value = m.name;
          fillFields(form, m.connection, 'connection.');
          found.replaceChildren(notice(`${m.name} filled in: test the connection, then save.`, 'ok'));
        });
        return el(
          'li',
          { 'data-discovered': m.name },
          `${m.name} (${m.collector}${m.model ? `, ${m.model}` : ''}) at ${m.host} `,
          use,
        );
      });
      found.replaceChildren(
        items.length > 0
          ? el('ul', { class: 'found' }, ...items)
          : notice('No machine answered. Type its address instead.', 'problem'),
        ...result.problems.map((p) => notice(p, 'problem')),
      );
    } catch (error) {
      found.replaceChildren(notice(`Could not look: ${(error as Error).message}`, 'problem'));
    }
  });
  if (existing?.machine) {
    // Editing: the type and the name stay (a new name or type is a new machine: add it anew).
    const current = existing.machine;
    vendor.value = current.collector;
    vendor.dispatchEvent(new Event('change'));
    vendor.disabled = true;
    name.value = current.name;
    name.readOnly = true;
    if (current.poll_interval !== undefined) poll.value = String(current.poll_interval);
    if (current.credentials?.username) user.value = current.credentials.username;
    if (current.credentials?.password_ref) secret.placeholder = 'Stored: type a new one to replace it';
    fillFields(form, current.connection ?? {}, 'connection.');
    saveButton.textContent = 'Save changes';
    section.append(form);
  } else section.append(el('p', {}, findButton), found, form);

  // Serial machines: the ports this PC has, offered as suggestions (or why the OS cannot list them).
  const ports = await api(token)
    .call('serialPorts')
    .catch((): SerialPorts => ({ ports: [] }));
  const list = el(
    'datalist',
    { id: 'serial-ports' },
    ...ports.ports.map((p) => el('option', { value: p.path })),
  );
  section.append(list);
  vendor.addEventListener('change', () => {
    const path = form.querySelector<HTMLInputElement>('[name="connection.serial.path"]');
    if (!path) return;
    path.setAttribute('list', 'serial-ports');
    if (ports.problem) path.after(el('small', {}, ports.problem));
  });
  return section;
}
