import { localTime } from './history.ts';
import type { PrinterMachine } from './printer-machine.ts';

/** The printer's answer to a GET of `path` (outside `/history/` and `/auth/`): status and JSON document. */
export function printerDocument(
  path: string,
  machine: PrinterMachine,
  identity: { name: string; guid: string },
): [number, unknown] {
  const { job, status } = machine;
  switch (path) {
    case '/api/v1/system':
      return [
        200,
        {
          firmware: '5.8.2.20231212',
          name: identity.name,
          guid: identity.guid,
          variant: 'Ultimaker S5',
          platform: 'Linux',
        },
      ];
    case '/api/v1/printer':
      return [
        200,
        {
          status,
          bed: {
            temperature: { current: round(machine.bed), target: status === 'printing' ? 60 : 0 },
            type: 'glass',
          },
          heads: [
            {
              extruders: [
                {
                  hotend: {
                    id: 'AA 0.4',
                    temperature: {
                      current: round(machine.nozzle),
                      target: status === 'printing' ? 210 : 0,
                    },
                  },
                },
                { hotend: { id: 'BB 0.4', temperature: { current: 22, target: 0 } } },
              ],
            },
          ],
        },
      ];
    case '/api/v1/print_job':
      if (!job) return [404, { message: 'Not found' }];
      return [
        200,
        {
          name: job.name,
          uuid: job.uuid,
          state: job.ended ? 'wait_cleanup' : job.paused ? 'paused' : 'printing',
          progress: round(job.elapsed / job.total, 4),
          time_elapsed: Math.round(job.elapsed),
          time_total: job.total,
          datetime_started: localTime(job.started),
          ...(job.ended ? { result: job.ended } : {}),
        },
      ];
    default:
      return [404, { message: 'Not found' }];
  }
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
