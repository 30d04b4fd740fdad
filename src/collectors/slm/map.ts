import { layerJob, numberOf, textOf } from '../sdk/layer-job.ts';
import { lookup } from '../sdk/lookup.ts';
import type { MachineSnapshot } from '../sdk/machine-snapshot.ts';
import type { OpcuaMachineSpec } from '../sdk/opcua-collector.ts';
import { AM_MACHINE_PATHS, standardState } from '../sdk/opcua-model.ts';

/** The nodes Echo reads under `ns=<i>;s=SLM.`: Echo's model of the SLM machine's OPC UA server. */
export const SLM_VARIABLES = [
  'Machine.State',
  'Machine.SerialNumber',
  'Machine.SoftwareVersion',
  'Job.Name',
  'Job.CurrentLayer',
  'Job.TotalLayers',
  'Job.StartTime',
  'Job.RemainingSeconds',
  'Process.OxygenPpm',
  'Process.ChamberPressureMbar',
  'Process.PlatformTemperature',
  'Alarm.Text',
] as const;

/** The capture's fields: the vendor's nodes, then the model's (null where not read). */
const CAPTURED = [...new Set([...SLM_VARIABLES, ...Object.keys(AM_MACHINE_PATHS)])];

const STATES: Record<string, MachineSnapshot['state']> = {
  Idle: 'idle',
  Ready: 'idle',
  Building: 'printing',
  Paused: 'paused',
  Error: 'error',
  Maintenance: 'maintenance',
};

const num = numberOf;
const str = textOf;

export const slmSpec: OpcuaMachineSpec = {
  vendor: 'SLM Solutions',
  root: 'SLM',
  variables: SLM_VARIABLES,
  stateVariable: 'Machine.State',
  // OPC 40540 / 40501-1 / 40001-1 browse paths (standard) where the server has the model; the
  // vendor's own nodes (state text, process values, alarm) stay at their configured NodeIds.
  model: AM_MACHINE_PATHS,
  events: false,
  requiresUser: false,
  // OPC 40001-3 Job Management: the ISA-95 job order methods of `JobManagement/JobOrderControl`
  // (OPC 10031-4), found by browsing the machine object. ISA-95's `Cancel` is left out: it is for
  // job orders not started yet; a running build is ended by `Abort` (or `Stop`, where only it is).
  // The `…Job` names are for vendor objects without Job Management (assumed).
  methods: {
    pause: ['Pause', 'PauseJob'],
    resume: ['Resume', 'ResumeJob'],
    cancel: ['Abort', 'AbortJob', 'Stop', 'StopJob'],
  },
  // The JobOrderID the methods take: Echo reads no job order id, so the build's name (assumed).
  // OPC 40501-1 ActiveProgram/JobIdentifier where the server has it.
  jobId: (v) => str(v['Job.Identifier']) ?? str(v['Job.Name']),
  toSnapshot(v) {
    const state =
      // Own entries only: a state text "constructor" must not find Object's constructor.
      lookup(STATES, String(v['Machine.State'])) ??
      standardState(v['Machine.ItemState'], v['Job.State']) ??
      'unknown';
    const layers = num(v['Job.TotalLayers']);
    const layer = num(v['Job.CurrentLayer']);
    const started = str(v['Job.StartTime']);
    const gauges: MachineSnapshot['gauges'] = [];
    const gauge = (name: string, value: unknown, unit: string) => {
      const n = num(value);
      if (n !== undefined) gauges.push({ name, value: n, unit });
    };
    gauge('oxygen', v['Process.OxygenPpm'], 'ppm');
    gauge('chamber_pressure', v['Process.ChamberPressureMbar'], 'mbar');
    gauge('platform_temperature', v['Process.PlatformTemperature'], '°C');
    const active = (state === 'printing' || state === 'paused') && str(v['Job.Name']);
    return {
      state,
      ...(active
        ? {
            job: {
              ...layerJob(str(v['Job.Name'])!, layer, layers),
              ...(num(v['Job.RemainingSeconds']) !== undefined
                ? { remainingSeconds: Math.max(0, num(v['Job.RemainingSeconds'])!) }
                : {}),
              ...(started
                ? { elapsedSeconds: Math.max(0, Math.round((Date.now() - Date.parse(started)) / 1000)) }
                : {}),
            },
          }
        : {}),
      gauges,
      errors: str(v['Alarm.Text']) ? [str(v['Alarm.Text'])!] : [],
      ...(str(v['Machine.SoftwareVersion']) ? { firmware: str(v['Machine.SoftwareVersion'])! } : {}),
      ...(str(v['Machine.SerialNumber']) ? { serialNumber: str(v['Machine.SerialNumber'])! } : {}),
    };
  },
  captures(v) {
    return [
      {
        captureTypeName: 'slm.modeler.status',
        content: JSON.stringify(Object.fromEntries(CAPTURED.map((p) => [p, v[p] ?? null]))),
        contentType: 'application/json',
        meta: { source: 'opcua', serial: v['Machine.SerialNumber'] ?? null },
        dedupeKey: 'status',
        significant: JSON.stringify([
          v['Machine.State'],
          v['Machine.ItemState'],
          v['Job.State'],
          v['Job.Name'],
          v['Alarm.Text'],
          Math.floor(Number(v['Job.CurrentLayer'] ?? 0) / 50),
        ]),
      },
    ];
  },
};
