import type { CollectorContext, PollResult } from '../sdk/collector.ts';
import { type MapOptions, toSnapshot } from './map.ts';
import { printReport, type VersionInfo } from './protocol.ts';

/** The printer's firmware: the `ota` module's `sw_ver` in the `get_version` answer. */
export function firmwareVersion(version: VersionInfo | undefined): string | undefined {
  return version?.module.find((m) => m.name === 'ota')?.sw_ver;
}

/**
 * What a poll of a Bambu printer returns, from the merged `print` state and the `get_version`
 * answer: the machine's snapshot (map.ts) and the `bambu.modeler.status` capture.
 */
export function bambuPollResult(
  state: Record<string, unknown>,
  version: VersionInfo | undefined,
  options: MapOptions & { serial: string },
): PollResult {
  const report = printReport.parse(state);
  return {
    snapshot: toSnapshot(report, version, Date.now(), options),
    captures: [
      {
        captureTypeName: 'bambu.modeler.status',
        content: JSON.stringify({ print: state, info: version ?? null }),
        contentType: 'application/json',
        meta: { serial: options.serial, firmware: firmwareVersion(version), source: 'bambu-lan-mqtt' },
        // Temperatures change every second: a capture when the job or state changes, else at the
        // unchanged interval, with the latest gauges.
        dedupeKey: 'status',
        significant: JSON.stringify([
          report.gcode_state,
          report.subtask_name,
          report.mc_percent,
          report.print_error,
          report.hms,
        ]),
      },
    ],
  };
}

/**
 * A `gcode_state` Echo does not know is `unknown`, and said once in the log: the returned function
 * warns once per value (16 values at most, so a printer inventing states cannot fill the log).
 */
export function unknownStateWarning(ctx: Pick<CollectorContext, 'logger'>): (value: string) => void {
  const logged = new Set<string>();
  return (value) => {
    if (logged.has(value) || logged.size >= 16) return;
    logged.add(value);
    ctx.logger.warn(
      { gcode_state: value },
      'the printer reports a gcode_state Echo does not know; its state is shown as unknown',
    );
  };
}
