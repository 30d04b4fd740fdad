import type { AgentStatus } from '../../shared/api/index.ts';
import { api } from '../api-client.ts';
import { el } from '../dom.ts';

type Update = NonNullable<AgentStatus['update']>;

/** What the operator reads in the header about an update: undefined when there is nothing to say. */
export function updateText(update: Update | undefined): string | undefined {
  if (!update?.available) return undefined;
  const version = update.available.version;
  if (update.state === 'downloading') return `Downloading Echo ${version}…`;
  if (update.state === 'failed' && update.error) return `Update ${version} available. ${update.error}`;
  if (update.state === 'ready') return `Update ${version} downloaded and verified.`;
  return `Update ${version} available.`;
}

let shownKey = '';
let message = '';

/**
 * "Update <version> available" in the header with a button: the core downloads and verifies it
 * (`POST /api/v1/update/download`), then the desktop app installs it (`installUpdate`, which
 * checks the path and, on Windows, the signature). In a browser the file's path is shown instead.
 */
export function showUpdate(banner: HTMLElement, status: AgentStatus, token: string): void {
  const text = updateText(status.update);
  banner.hidden = text === undefined;
  const key = JSON.stringify([text, status.update?.state, message]);
  if (key === shownKey) return;
  shownKey = key;
  if (text === undefined) {
    banner.replaceChildren();
    return;
  }
  const busy = status.update?.state === 'downloading';
  const button = el('button', { type: 'button' }, busy ? 'Downloading…' : 'Download and install');
  button.disabled = busy;
  button.addEventListener('click', () => void install(banner, button, token));
  banner.replaceChildren(`${text} `, button, ...(message ? [' ', el('span', {}, message)] : []));
}

async function install(banner: HTMLElement, button: HTMLButtonElement, token: string): Promise<void> {
  button.disabled = true;
  button.textContent = 'Downloading…';
  const say = (text: string) => {
    message = text;
    banner.querySelector('span')?.remove();
    banner.append(' ', el('span', {}, text));
  };
  try {
    const file = await api(token).call('downloadUpdate');
    const bridge = window.echo;
    if (!bridge) {
      say(`Downloaded and verified (${file.verifiedBy}): run ${file.path} to install it.`);
      return;
    }
    const result = await bridge.installUpdate(file.path);
    say(result.ok ? 'The installer is starting.' : `Not installed: ${result.message ?? 'refused'}`);
  } catch (error) {
    say(`Not downloaded: ${(error as Error).message}`);
  } finally {
    button.disabled = false;
    button.textContent = 'Download and install';
  }
}
