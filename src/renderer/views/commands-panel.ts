import type { CommandRecord } from '../../shared/api/index.ts';
import { api } from '../api-client.ts';
import { el, notice, tableOf } from '../dom.ts';

const STATE: Record<CommandRecord['state'], string> = {
  received: 'received',
  awaiting_confirmation: 'waits for your confirmation',
  processing: 'running on the machine',
  complete: 'done',
  error: 'failed',
  rejected: 'not run',
};

/** What the machine answered, in a line: the reply's sentence, or the reason it ended. */
function outcome(command: CommandRecord): string {
  if (command.response) {
    try {
      const reply = JSON.parse(command.response) as { message?: unknown };
      if (typeof reply.message === 'string') return reply.message;
    } catch {
      // A reply that is not JSON is shown as the reason below.
    }
  }
  return command.reason ?? '';
}

/**
 * A machine's remote commands, newest first, with Confirm and Refuse on those that wait for the
 * operator (start_job, docs/commands.md). Read again when the status says the open commands changed.
 */
export class CommandsPanel {
  readonly element = el('div', { class: 'commands' });
  private key = '';

  constructor(
    private readonly token: string,
    private readonly machine: string,
  ) {}

  /** `key`: what the status says of the open commands; the list is read again when it changes. */
  refresh(key: string): void {
    if (key === this.key) return;
    this.key = key;
    void this.load().catch((error: Error) =>
      this.element.replaceChildren(notice(`Commands unavailable: ${error.message}`, 'problem')),
    );
  }

  private async load(): Promise<void> {
    const commands = await api(this.token).call('commands', {
      query: { machine: this.machine, limit: '20' },
    });
    if (commands.length === 0) {
      this.element.replaceChildren(
        el(
          'p',
          { class: 'meta' },
          'No remote command yet. Commands the cloud sends to this machine show here.',
        ),
      );
      return;
    }
    const body = el('tbody');
    for (const command of commands) {
      const actions = el('td');
      if (command.state === 'awaiting_confirmation') {
        const until = command.confirmBy ? ` (until ${new Date(command.confirmBy).toLocaleTimeString()})` : '';
        actions.append(
          this.answerButton(command, true, `Confirm ${command.type}`),
          ' ',
          this.answerButton(command, false, 'Refuse'),
          el('span', { class: 'meta' }, until),
        );
      }
      body.append(
        el(
          'tr',
          { 'data-command': String(command.id) },
          el('td', {}, new Date(command.receivedAt).toLocaleString()),
          el('td', {}, command.type),
          el('td', {}, STATE[command.state]),
          el('td', {}, outcome(command)),
          actions,
        ),
      );
    }
    this.element.replaceChildren(
      tableOf(['Received', 'Command', 'State', 'Outcome', 'Answer'], body, { caption: 'Remote commands' }),
    );
  }

  private answerButton(command: CommandRecord, confirm: boolean, label: string): HTMLButtonElement {
    const button = el('button', { type: 'button', class: confirm ? '' : 'secondary' }, label);
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await api(this.token).call(confirm ? 'confirmCommand' : 'refuseCommand', {
          params: { id: String(command.id) },
        });
      } catch (error) {
        this.element.prepend(notice(`Not done: ${(error as Error).message}`, 'problem'));
      }
      this.key = '';
      this.refresh('answered');
    });
    return button;
  }
}
