import type { AgentStatus } from '../shared/api/index.ts';

/** What the tray shows: one word for the whole agent, and a sentence for its tooltip. */
export type OverallState = 'ok' | 'degraded' | 'offline' | 'signed_out';

/** The part of `GET /api/v1/status` the tray reads (its word, its tooltip and its menu). */
export type TrayStatus = Pick<AgentStatus, 'cloud' | 'machines' | 'commands' | 'collection'>;

/** A remote command waiting for the operator at this PC (a start_job), as `status` lists it. */
export type AwaitingCommand = NonNullable<AgentStatus['commands']>['awaiting'][number];

/** The commands waiting for the operator, oldest first; none when the agent does not answer. */
export function awaitingCommands(status: Pick<TrayStatus, 'commands'> | undefined): AwaitingCommand[] {
  return status?.commands?.awaiting ?? [];
}

/** How many commands wait for the operator: the count, or the list's length should they differ. */
function awaitingCount(status: Pick<TrayStatus, 'commands'> | undefined): number {
  return Math.max(awaitingCommands(status).length, status?.commands?.awaitingConfirmation ?? 0);
}

/**
 * The tray's word and sentence; remote commands waiting for the operator's confirmation are said
 * first in the sentence, whatever the word (they wait for a person at this PC), and the sentence
 * points to the tray menu, where each can be confirmed or refused.
 */
export function overallState(status: TrayStatus | undefined): { state: OverallState; tooltip: string } {
  const plain = agentState(status);
  const count = awaitingCount(status);
  if (count === 0) return plain;
  const first = awaitingCommands(status)[0];
  const what =
    count === 1 && first
      ? `${first.type} on ${first.machine} waits`
      : count === 1
        ? 'a remote command waits'
        : `${count} remote commands wait`;
  return {
    state: plain.state,
    tooltip: `Echo: ${what} for your confirmation (tray menu). ${plain.tooltip.replace(/^Echo: /, '')}`,
  };
}

/**
 * The text beside the tray icon (macOS's menu bar; other platforms show no title): empty unless
 * something waits for the operator, so that a waiting command is visible without hovering.
 */
export function trayTitle(status: TrayStatus | undefined): string {
  const count = awaitingCount(status);
  return count === 0 ? '' : `${count} to confirm`;
}

function agentState(status: TrayStatus | undefined): { state: OverallState; tooltip: string } {
  if (!status) return { state: 'offline', tooltip: 'Echo: the agent is not running' };
  const { cloud } = status;
  const failing = status.machines.filter((m) =>
    ['error', 'offline'].includes(m.live?.snapshot.state ?? ''),
  ).length;
  if (cloud.auth !== 'signed_in') {
    return {
      state: 'signed_out',
      tooltip: 'Echo: signed out; collecting and keeping data until you sign in',
    };
  }
  if (!cloud.reachable)
    return { state: 'offline', tooltip: 'Echo: the cloud is unreachable; data is kept and sent later' };
  if (!cloud.enabled) return { state: 'degraded', tooltip: 'Echo: collection paused by the cloud' };
  if (cloud.health.health !== 'healthy' || failing > 0) {
    return {
      state: 'degraded',
      tooltip: `Echo: ${failing > 0 ? `${failing} machine${failing > 1 ? 's' : ''} failing` : `health ${cloud.health.health}`}`,
    };
  }
  return { state: 'ok', tooltip: `Echo: all good, ${status.machines.length} machines` };
}
