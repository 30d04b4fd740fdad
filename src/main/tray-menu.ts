import { ApiError } from '../shared/api/client.ts';
import { type AwaitingCommand, awaitingCommands, type TrayStatus } from './tray-state.ts';

/** What a tray menu item does when clicked; main.ts maps each to Electron and the local API. */
export type TrayAction =
  | { kind: 'open' }
  | { kind: 'startAtLogin' }
  | { kind: 'pauseCollection' }
  | { kind: 'quit' }
  /** The operator's answer to a command awaiting confirmation (`confirmCommand`/`refuseCommand`). */
  | { kind: 'answer'; id: number; confirm: boolean; what: string };

/** The tray's context menu, without Electron: main.ts renders it with `Menu.buildFromTemplate`. */
export type TrayMenuItem =
  | { type: 'action'; label: string; action: TrayAction }
  | { type: 'checkbox'; label: string; checked: boolean; action: TrayAction }
  /** A line of text that does nothing (shown disabled). */
  | { type: 'note'; label: string }
  | { type: 'separator' };

/** Commands listed in the menu at most (two items each); the rest are counted, the window lists them. */
export const MAX_LISTED_COMMANDS = 5;

/**
 * The tray's menu: first, for each command waiting for the operator, "Confirm …" and "Refuse …"
 * (a start_job waits for a person at this PC, who may not have the window open), then the app's
 * own items. "Pause collection" is checked while the operator paused it, as the status says.
 */
export function trayMenu(status: TrayStatus | undefined, startAtLogin: boolean): TrayMenuItem[] {
  const waiting = awaitingCommands(status);
  const listed = waiting.slice(0, MAX_LISTED_COMMANDS);
  const items: TrayMenuItem[] = [];
  for (const command of listed) {
    const what = describe(command, listed);
    items.push(
      {
        type: 'action',
        label: `Confirm ${what}`,
        action: { kind: 'answer', id: command.id, confirm: true, what },
      },
      {
        type: 'action',
        label: `Refuse ${what}`,
        action: { kind: 'answer', id: command.id, confirm: false, what },
      },
    );
  }
  if (waiting.length > listed.length) {
    items.push({ type: 'note', label: `${waiting.length - listed.length} more waiting: open Echo` });
  }
  if (items.length > 0) items.push({ type: 'separator' });
  items.push(
    { type: 'action', label: 'Open Echo', action: { kind: 'open' } },
    { type: 'checkbox', label: 'Start at login', checked: startAtLogin, action: { kind: 'startAtLogin' } },
    {
      type: 'checkbox',
      label: 'Pause collection',
      checked: status?.collection === 'paused_by_operator',
      action: { kind: 'pauseCollection' },
    },
    { type: 'separator' },
    { type: 'action', label: 'Quit Echo', action: { kind: 'quit' } },
  );
  return items;
}

/** "start_job on Printer 1"; with the command's number when another listed one reads the same. */
function describe(command: AwaitingCommand, listed: AwaitingCommand[]): string {
  const what = `${command.type} on ${command.machine}`;
  const twins = listed.filter((other) => other.type === command.type && other.machine === command.machine);
  return twins.length > 1 ? `${what} (#${command.id})` : what;
}

/**
 * What the operator reads when an answer from the tray was not taken: the command was answered
 * in the window or timed out meanwhile, is gone, or the agent did not answer.
 */
export function answerFailure(error: unknown, confirm: boolean): string {
  const verb = confirm ? 'confirmed' : 'refused';
  if (error instanceof ApiError) {
    if (error.code === 'not_awaiting_confirmation') {
      return `The command was not ${verb}: it no longer waits for confirmation (answered in the window, or timed out).`;
    }
    if (error.code === 'not_found') return `The command was not ${verb}: the agent no longer has it.`;
    return `The command was not ${verb}: ${error.message}`;
  }
  return `The command was not ${verb}: the agent is not answering.`;
}

/**
 * The question asked before a confirmation from the tray is sent: a menu item sits next to
 * "Refuse", and a slip of the mouse must not start a machine. Refusing needs no second question:
 * it only keeps the machine as it is.
 */
export function confirmationQuestion(what: string): {
  message: string;
  detail: string;
  buttons: [string, string];
  /** Cancel: Enter or Escape on the dialog never confirms. */
  defaultId: 1;
  cancelId: 1;
} {
  return {
    defaultId: 1,
    cancelId: 1,
    message: `Confirm ${what}?`,
    detail:
      'The machine will do what the cloud asked. Check at the machine that it is ready (build plate clear, material loaded, nobody working inside).',
    buttons: ['Confirm', 'Cancel'],
  };
}
