import { EchoError } from '../shared/errors.ts';
import { isAllowedChannel } from '../shared/ipc-channels.ts';
import { decideNavigation } from './navigation.ts';

/** What an Electron IPC event tells of the frame that sent it (`event.senderFrame`). */
export interface IpcSenderFrame {
  url: string;
  /** Null for the window's top-level frame. */
  parent: unknown;
}

/** The part of Electron's `IpcMainEvent`/`IpcMainInvokeEvent` the check reads. */
export interface IpcEventLike {
  /** Null once the frame navigated away or was destroyed before the message was handled. */
  senderFrame: IpcSenderFrame | null;
}

/**
 * Whether a message comes from the operator UI itself: the window's top-level frame, on the local
 * API's origin, under `/ui/` (the same rule as navigation). The preload is in every frame the
 * window shows, so the channel alone proves nothing: an iframe, a page the window was somehow
 * navigated to, or a frame gone by now gets neither the token nor a native action.
 */
export function isTrustedSender(
  frame: IpcSenderFrame | null | undefined,
  apiOrigin: string | undefined,
): boolean {
  if (!frame || !apiOrigin || frame.parent !== null) return false;
  return decideNavigation(frame.url, apiOrigin).action === 'allow';
}

/** A message refused: an untrusted sender, or a channel outside the bridge's allow-list. */
export class IpcRefusedError extends EchoError {
  constructor(message: string) {
    super('ECHO_ERR_IPC_REFUSED', message);
  }
}

/**
 * A handler for `channel` that runs only for the UI's own frame; `apiOrigin` is read at each
 * message (the core may have moved to another port since). A channel that is not on the bridge's
 * allow-list is refused when the handler is made, so `main.ts` cannot answer more than the
 * preload can ask.
 */
export function guardIpc<E extends IpcEventLike, A extends unknown[], R>(
  channel: string,
  apiOrigin: () => string | undefined,
  handler: (event: E, ...args: A) => R,
): (event: E, ...args: A) => R {
  if (!isAllowedChannel(channel))
    throw new IpcRefusedError(`${channel} is not on the preload bridge's allow-list`);
  return (event, ...args) => {
    if (!isTrustedSender(event.senderFrame, apiOrigin())) {
      throw new IpcRefusedError(
        `${channel}: refused a message from ${event.senderFrame?.url ?? 'a frame that is gone'}`,
      );
    }
    return handler(event, ...args);
  };
}

/**
 * The answer to the preload's bootstrap call (synchronous, so it cannot throw back): the API's
 * address and token for the UI's own frame, empty strings for anyone else.
 */
export function bootstrapReply(
  frame: IpcSenderFrame | null,
  endpoint: { url: string; token: string } | undefined,
): { apiUrl: string; token: string } {
  if (!endpoint || !isTrustedSender(frame, new URL(endpoint.url).origin)) return { apiUrl: '', token: '' };
  return { apiUrl: endpoint.url, token: endpoint.token };
}
