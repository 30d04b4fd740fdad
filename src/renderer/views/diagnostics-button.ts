import { api } from '../api-client.ts';
import { el, notice } from '../dom.ts';

/**
 * "Export diagnostics": downloads the support zip (status, machines, recent logs, the
 * configuration without secrets) and says what was saved. On the Sync and Logs screens.
 */
export function diagnosticsButton(token: string): HTMLElement {
  const result = el('div', { 'aria-live': 'polite' });
  const button = el('button', { type: 'button' }, 'Export diagnostics');
  button.addEventListener('click', async () => {
    try {
      const response = await api(token).open('diagnostics');
      if (!response.ok) throw new Error(`the agent answered ${response.status}`);
      const blob = await response.blob();
      const name =
        /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ??
        'echo-diagnostics.zip';
      el('a', { href: URL.createObjectURL(blob), download: name }).click();
      result.replaceChildren(
        notice(`Saved ${name} (status, machines, recent logs, configuration without secrets).`, 'ok'),
      );
    } catch (error) {
      result.replaceChildren(notice(`Not exported: ${(error as Error).message}`, 'problem'));
    }
  });
  return el('div', {}, el('p', {}, button), result);
}
