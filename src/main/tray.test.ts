import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../shared/api/client.ts';
import type { MachineSummary } from '../shared/api/index.ts';
import {
  answerFailure,
  confirmationQuestion,
  MAX_LISTED_COMMANDS,
  type TrayMenuItem,
  trayMenu,
} from './tray-menu.ts';
import { type AwaitingCommand, overallState, type TrayStatus, trayTitle } from './tray-state.ts';

function machine(name: string, state: 'idle' | 'printing' | 'error'): MachineSummary {
  return {
    name,
    collector: 'ultimaker',
    origin: 'config',
    backlog: 0,
    live: {
      snapshot: { state, gauges: [], errors: [] },
      connected: true,
      polls: 1,
      failures: 0,
      capturesStored: 0,
    },
  };
}

function status(awaiting: AwaitingCommand[] = []): TrayStatus {
  return {
    collection: 'running',
    cloud: {
      url: 'https://cloud.example.com',
      auth: 'signed_in',
      registered: true,
      enabled: true,
      reachable: true,
      health: { health: 'healthy', reasons: [] },
      waitingForModeler: [],
    },
    machines: [machine('Printer 1', 'idle'), machine('Printer 2', 'printing')],
    commands: { open: awaiting.length, awaitingConfirmation: awaiting.length, unreported: 0, awaiting },
  };
}

const startJob = (id: number, machine = 'Printer 1'): AwaitingCommand => ({ id, machine, type: 'start_job' });

/** The labels of the menu, `---` for a separator, `(…)` around a disabled note. */
function labels(items: TrayMenuItem[]): string[] {
  return items.map((item) =>
    item.type === 'separator' ? '---' : item.type === 'note' ? `(${item.label})` : item.label,
  );
}

test('the tray says one word for the agent and why', () => {
  const base = status();
  assert.deepEqual(overallState(base), { state: 'ok', tooltip: 'Echo: all good, 2 machines' });
  assert.equal(overallState(undefined).state, 'offline');
  assert.equal(overallState({ ...base, cloud: { ...base.cloud, auth: 'signed_out' } }).state, 'signed_out');
  assert.equal(overallState({ ...base, cloud: { ...base.cloud, reachable: false } }).state, 'offline');
  assert.deepEqual(overallState({ ...base, machines: [machine('Printer 1', 'error')] }), {
    state: 'degraded',
    tooltip: 'Echo: 1 machine failing',
  });
  assert.equal(trayTitle(base), '', 'no title while nothing waits');
});

test('a command waiting for the operator is said first in the tooltip and beside the icon', () => {
  // A start_job waits for a person at this PC: the tray names it and where to answer it.
  const one = status([startJob(7)]);
  assert.deepEqual(overallState(one), {
    state: 'ok',
    tooltip: 'Echo: start_job on Printer 1 waits for your confirmation (tray menu). all good, 2 machines',
  });
  assert.equal(trayTitle(one), '1 to confirm');
  const two = status([startJob(7), startJob(8, 'Printer 2')]);
  assert.match(overallState(two).tooltip, /^Echo: 2 remote commands wait for your confirmation/);
  assert.equal(trayTitle(two), '2 to confirm');
  // A status that counts one without listing it (an older core) still says so.
  const counted = {
    ...status(),
    commands: { open: 1, awaitingConfirmation: 1, unreported: 0, awaiting: [] },
  };
  assert.match(overallState(counted).tooltip, /^Echo: a remote command waits for your confirmation/);
  assert.equal(trayTitle(counted), '1 to confirm');
});

test('the tray menu has a confirm and a refuse item for each waiting command, first', () => {
  const menu = trayMenu(status([startJob(7), startJob(8, 'Printer 2')]), false);
  assert.deepEqual(labels(menu), [
    'Confirm start_job on Printer 1',
    'Refuse start_job on Printer 1',
    'Confirm start_job on Printer 2',
    'Refuse start_job on Printer 2',
    '---',
    'Open Echo',
    'Start at login',
    'Pause collection',
    '---',
    'Quit Echo',
  ]);
  const actions = menu.flatMap((item) => ('action' in item ? [item.action] : []));
  assert.deepEqual(actions.slice(0, 4), [
    { kind: 'answer', id: 7, confirm: true, what: 'start_job on Printer 1' },
    { kind: 'answer', id: 7, confirm: false, what: 'start_job on Printer 1' },
    { kind: 'answer', id: 8, confirm: true, what: 'start_job on Printer 2' },
    { kind: 'answer', id: 8, confirm: false, what: 'start_job on Printer 2' },
  ]);
});

test('a confirmation from the tray is asked again, with Cancel as the default', () => {
  const question = confirmationQuestion('start_job on Printer 1');
  assert.equal(question.message, 'Confirm start_job on Printer 1?');
  assert.match(question.detail, /ready/);
  assert.deepEqual(question.buttons, ['Confirm', 'Cancel']);
  assert.equal(question.buttons[question.defaultId], 'Cancel');
  assert.equal(question.buttons[question.cancelId], 'Cancel');
});

test('without waiting commands the menu is the app’s own, its checkboxes from the status', () => {
  assert.deepEqual(labels(trayMenu(undefined, false)), [
    'Open Echo',
    'Start at login',
    'Pause collection',
    '---',
    'Quit Echo',
  ]);
  const checked = (items: TrayMenuItem[], label: string) => {
    const item = items.find((candidate) => candidate.type === 'checkbox' && candidate.label === label);
    return item?.type === 'checkbox' ? item.checked : undefined;
  };
  const paused = trayMenu({ ...status(), collection: 'paused_by_operator' }, true);
  assert.equal(checked(paused, 'Pause collection'), true);
  assert.equal(checked(paused, 'Start at login'), true);
  const byCloud = trayMenu({ ...status(), collection: 'paused_by_cloud' }, false);
  assert.equal(checked(byCloud, 'Pause collection'), false, 'the operator did not pause it');
  assert.equal(checked(byCloud, 'Start at login'), false);
});

test('commands that read the same carry their number; past the limit they are counted', () => {
  const twins = labels(trayMenu(status([startJob(7), startJob(9)]), false));
  assert.deepEqual(twins.slice(0, 4), [
    'Confirm start_job on Printer 1 (#7)',
    'Refuse start_job on Printer 1 (#7)',
    'Confirm start_job on Printer 1 (#9)',
    'Refuse start_job on Printer 1 (#9)',
  ]);
  const many = Array.from({ length: MAX_LISTED_COMMANDS + 2 }, (_, i) => startJob(i + 1, `M${i + 1}`));
  const menu = labels(trayMenu(status(many), false));
  assert.equal(menu.filter((label) => label.startsWith('Confirm ')).length, MAX_LISTED_COMMANDS);
  assert.equal(menu.filter((label) => label.startsWith('Refuse ')).length, MAX_LISTED_COMMANDS);
  assert.ok(menu.includes('(2 more waiting: open Echo)'), menu.join(' | '));
  assert.ok(!menu.some((label) => label.includes(`M${MAX_LISTED_COMMANDS + 1}`)), 'the newest are left out');
});

test('an answer the agent did not take is explained to the operator', () => {
  assert.match(
    answerFailure(new ApiError(409, 'not_awaiting_confirmation', 'not awaiting'), true),
    /^The command was not confirmed: it no longer waits for confirmation/,
  );
  assert.match(
    answerFailure(new ApiError(404, 'not_found', 'no such command'), false),
    /^The command was not refused: the agent no longer has it/,
  );
  assert.equal(
    answerFailure(new ApiError(500, 'internal', 'the store is closed'), true),
    'The command was not confirmed: the store is closed',
  );
  assert.equal(
    answerFailure(new TypeError('fetch failed'), false),
    'The command was not refused: the agent is not answering.',
  );
});
