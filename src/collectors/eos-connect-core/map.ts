import type { CloudLogLevel } from '../../shared/model/capture-types.ts';
import { layerJob, numberOf, textOf } from '../sdk/layer-job.ts';
import { lookup } from '../sdk/lookup.ts';
import type { MachineSnapshot } from '../sdk/machine-snapshot.ts';
import type { OpcuaEvent, OpcuaMachineSpec } from '../sdk/opcua-collector.ts';
import { AM_MACHINE_PATHS, standardState } from '../sdk/opcua-model.ts';

/** The nodes Echo reads under `ns=<i>;s=EOS.`: Echo's model of the EOSCONNECT Core server. */
export const EOS_CORE_VARIABLES = [
  'Machine.State',
  'Machine.SerialNumber',
  'Machine.SoftwareVersion',
  'Job.Name',
  'Job.CurrentLayer',
  'Job.TotalLayers',
  'Process.OxygenPercent',
  'Alarm.Text',
] as const;

const STATES: Record<string, MachineSnapshot['state']> = {
  Idle: 'idle',
  Ready: 'idle',
  Building: 'printing',
  Exposing: 'printing',
  Recoating: 'printing',
  Paused: 'paused',
  Error: 'error',
  Maintenance: 'maintenance',
};

/** OPC UA event severity (1–1000) → the cloud's log levels. */
export function levelOfSeverity(severity: number): CloudLogLevel {
  if (severity >= 900) return 'CRITICAL';
  if (severity >= 700) return 'ERROR';
  if (severity >= 400) return 'WARN';
  if (severity >= 100) return 'INFO';
  return 'DEBUG';
}

const str = textOf;
const num = numberOf;

function logText(events: readonly OpcuaEvent[]): string {
  return events
    .map((e) => `${e.time}\t${levelOfSeverity(e.severity)}\t${e.severity}\t${e.message}\n`)
    .join('');
}

export const eosCoreSpec: OpcuaMachineSpec = {
  vendor: 'EOSCONNECT Core',
  root: 'EOS',
  variables: EOS_CORE_VARIABLES,
  stateVariable: 'Machine.State',
  // OPC 40540 / 40501-1 / 40001-1 browse paths (standard) where the server has the model; the
  // vendor's own nodes (state text, process values, alarm) stay at their configured NodeIds.
  model: AM_MACHINE_PATHS,
  events: true,
  requiresUser: true,
  // EOSCONNECT Core's method names are not public (assumed): vendor-style `…Job` names first, then
  // OPC 40001-3 / ISA-95 names for a server with Job Management. Found by browsing, never by NodeId.
  methods: {
    pause: ['PauseJob', 'Pause'],
    resume: ['ResumeJob', 'Resume'],
    cancel: ['AbortJob', 'CancelJob', 'StopJob', 'Abort', 'Stop'],
  },
  toSnapshot(v) {
    const state =
      // Own entries only: a state text "constructor" must not find Object's constructor.
      lookup(STATES, String(v['Machine.State'])) ??
      standardState(v['Machine.ItemState'], v['Job.State']) ??
      'unknown';
    const layers = num(v['Job.TotalLayers']);
    const layer = num(v['Job.CurrentLayer']);
    const oxygen = num(v['Process.OxygenPercent']);
    const active = (state === 'printing' || state === 'paused') && str(v['Job.Name']);
    return {
      state,
      ...(active
        ? {
            job: {
              ...layerJob(str(v['Job.Name'])!, layer, layers),
            },
          }
        : {}),
      gauges: oxygen !== undefined ? [{ name: 'oxygen', value: oxygen, unit: '%' }] : [],
      errors: str(v['Alarm.Text']) ? [str(v['Alarm.Text'])!] : [],
      ...(str(v['Machine.SoftwareVersion']) ? { firmware: str(v['Machine.SoftwareVersion'])! } : {}),
      ...(str(v['Machine.SerialNumber']) ? { serialNumber: str(v['Machine.SerialNumber'])! } : {}),
    };
  },
  // The capture type is a log: the machine's messages (OPC UA events) since the last poll, one
  // line each (time, level, severity, text), with the machine's variables in `meta`.
  captures(v, events) {
    if (events.length === 0) return [];
    return [
      {
        captureTypeName: 'eos_connect.modeler.log',
        content: logText(events),
        contentType: 'text/plain; charset=utf-8',
        meta: {
          source: 'eosconnect-core-opcua',
          serial: v['Machine.SerialNumber'] ?? null,
          state: v['Machine.State'] ?? v['Machine.ItemState'] ?? null,
          job_state: v['Job.State'] ?? null,
          job: v['Job.Name'] || null,
          first_event: events[0]!.time,
          last_event: events[events.length - 1]!.time,
        },
      },
    ];
  },
  logs(events) {
    return events
      .filter((e) => e.severity >= 400)
      .map((e) => ({
        level: levelOfSeverity(e.severity),
        timestamp: e.time,
        message: e.message,
        context: { severity: e.severity },
      }));
  },
};
