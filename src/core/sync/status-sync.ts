import { CloudOriginError } from '../../shared/errors.ts';
import { Wakeup } from '../clock.ts';
import { historyKeys } from '../store/history-keys.ts';
import type { StoredMachineStatus } from '../store/types.ts';
import { addiguruHealth } from './addiguru-health.ts';
import { classifyError } from './classify-error.ts';
import type { CaptureOwner, SyncContext } from './sync-context.ts';

/**
 * Reports machine reachability to `PUT /modeler/<uuid>/` (`connected`, `error`), or an Addiguru
 * hub's `health` to `PUT /addiguru-installation/<uuid>/`, when it changes. It
 * never writes `status`: the server derives that from captures. Only the newest change per machine
 * is sent; older unsent ones are superseded by it.
 */
export class StatusSync {
  readonly wakeup = new Wakeup();

  constructor(private readonly ctx: SyncContext) {}

  async run(signal: AbortSignal, active: () => boolean): Promise<void> {
    const { clock, config } = this.ctx;
    while (!signal.aborted) {
      if (active()) {
        await this.reportChanges(signal);
        await this.reportWatermarks(signal);
      }
      await this.wakeup.wait(clock, config.intervals.status_report * 1000, signal);
    }
  }

  /**
   * Tells the cloud a machine's history watermark once every capture of that machine reached the
   * cloud (captures of a machine are sent in order, so an empty backlog means every collected job
   * is there): a watermark never gets ahead of the jobs it stands for.
   */
  private async reportWatermarks(signal: AbortSignal): Promise<void> {
    const { store, client, gate } = this.ctx;
    for (const name of this.ctx.machineNames()) {
      const keys = historyKeys(name);
      const pending = store.stats.getValue(keys.pending);
      const modeler = this.ctx.modelerFor(name);
      if (!pending || !modeler || pending === store.stats.getValue(keys.sent)) continue;
      if (store.captures.backlogFor(name) > 0) continue;
      await gate.pass(signal);
      if (signal.aborted) return;
      try {
        await client.send({ method: 'PUT', url: modeler, json: { watermark: pending } });
        gate.succeeded();
        store.stats.setValue(keys.sent, pending);
      } catch (error) {
        const outcome = classifyError(error, this.ctx);
        if (outcome.kind === 'dead' || outcome.kind === 'not_found') {
          if (!(error instanceof CloudOriginError))
            this.ctx.logger.warn({ machine: name, reason: outcome.reason }, 'watermark update refused');
          store.stats.setValue(keys.sent, pending);
          continue;
        }
        return;
      }
    }
  }

  private async reportChanges(signal: AbortSignal): Promise<void> {
    const { store, client, gate } = this.ctx;
    for (const status of store.status.unreported()) {
      const owner = this.ctx.captureOwnerFor(status.machine);
      if (!owner) continue;
      const { key, compared, body } = statusReport(owner.field, status);
      if (store.stats.getValue(key) === JSON.stringify(compared)) {
        store.status.markReported(status.machine, status.id);
        continue;
      }
      await gate.pass(signal);
      if (signal.aborted) return;
      try {
        await client.send({ method: 'PUT', url: owner.uri, json: body });
        gate.succeeded();
        store.stats.setValue(key, JSON.stringify(compared));
        store.status.markReported(status.machine, status.id);
      } catch (error) {
        const outcome = classifyError(error, this.ctx);
        if (outcome.kind === 'dead' || outcome.kind === 'not_found') {
          // The cloud refuses this report; a newer change will be tried, this one is dropped. A
          // modeler on another origin was logged once, when it was first refused (CredentialOrigins).
          if (!(error instanceof CloudOriginError)) {
            this.ctx.logger.warn(
              { machine: status.machine, reason: outcome.reason },
              'machine status report refused',
            );
          }
          store.status.markReported(status.machine, status.id);
          continue;
        }
        return;
      }
    }
  }
}

/**
 * What one status change sends (`body`): a modeler hears `connected`/`error`, an Addiguru
 * installation its `health` (contract enum) with the time it was checked. `compared` is what is
 * compared with the last report (the check time changes every time, the health does not); `key`
 * is where the last one is kept.
 */
function statusReport(
  field: CaptureOwner['field'],
  status: StoredMachineStatus,
): { key: string; compared: Record<string, unknown>; body: Record<string, unknown> } {
  if (field === 'modeler') {
    const compared = { connected: status.connected, error: status.error };
    return { key: `modeler_reported:${status.machine}`, compared, body: compared };
  }
  const compared = { health: addiguruHealth(status) };
  return {
    key: `addiguru_reported:${status.machine}`,
    compared,
    body: { ...compared, health_check_on: new Date(status.observedAt).toISOString() },
  };
}
