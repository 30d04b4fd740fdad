import { z } from 'zod';
import { MACHINE_STATES } from './capture-types.ts';

/**
 * The normalized machine model every collector fills, whatever the vendor: it drives the machine's
 * `/modeler/` `connected`/`error`, the local API and the UI. The raw vendor payload goes into the
 * capture, untouched.
 */
export const machineSnapshot = z.object({
  state: z.enum(MACHINE_STATES),
  job: z
    .object({
      name: z.string(),
      id: z.string().optional(),
      /** 0 to 100. */
      progress: z.number().min(0).max(100).optional(),
      elapsedSeconds: z.number().min(0).optional(),
      remainingSeconds: z.number().min(0).optional(),
      layer: z.number().int().min(0).optional(),
      layers: z.number().int().min(0).optional(),
      /**
       * How the job ended, for a machine that still shows an ended job (until its build plate
       * is cleared). Unset while the job runs.
       */
      result: z.enum(['finished', 'failed', 'cancelled']).optional(),
    })
    .optional(),
  gauges: z.array(
    z.object({
      /** snake_case, e.g. `nozzle_temperature`, `bed_temperature`, `spindle_speed`. */
      name: z.string(),
      value: z.number(),
      unit: z.string(),
      target: z.number().optional(),
    }),
  ),
  errors: z.array(z.string()),
  firmware: z.string().optional(),
  serialNumber: z.string().optional(),
});

export type MachineSnapshot = z.infer<typeof machineSnapshot>;
