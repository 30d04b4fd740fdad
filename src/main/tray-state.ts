/** What the tray shows: one word for the whole agent, and a sentence for its tooltip. */
export type OverallState = 'ok' | 'degraded' | 'offline' | 'signed_out';

export interface TrayStatus {
  cloud: { reachable: boolean; auth: string; enabled: boolean; health: { health: string } };
  machines: Array<{ live?: { snapshot: { state: string } } }>;
  commands?: { awaitingConfirmation: number };
}

/**
 * The tray's word and sentence; remote commands waiting for the operator's confirmation are said
 * first in the sentence, whatever the word (they wait for a person at this PC).
 */
export function overallState(status: TrayStatus | undefined): { state: OverallState; tooltip: string } {
  const plain = agentState(status);
  const waiting = status?.commands?.awaitingConfirmation ?? 0;
  if (waiting === 0) return plain;
  const what = waiting === 1 ? 'a remote command waits' : `${waiting} remote commands wait`;
  return {
    state: plain.state,
    tooltip: `Echo: ${what} for your confirmation (open Echo). ${plain.tooltip.replace(/^Echo: /, '')}`,
  };
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
