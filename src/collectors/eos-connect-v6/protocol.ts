import { z } from 'zod';

/**
 * Echo's model of the EOSCONNECT v6 REST API (machine status and the job history), the documents
 * the collector validates. Unknown fields are kept: the raw documents go to the cloud.
 */
export const machineDoc = z.looseObject({
  serialNumber: z.string(),
  machineType: z.string(),
  softwareVersion: z.string().optional(),
  state: z.string(),
  currentJob: z
    .looseObject({
      id: z.union([z.string(), z.number()]),
      name: z.string(),
      currentLayer: z.number().int().min(0).optional(),
      totalLayers: z.number().int().min(0).optional(),
      startTime: z.string().optional(),
      estimatedEndTime: z.string().optional(),
    })
    .nullable()
    .optional(),
  process: z
    .looseObject({
      oxygenPercent: z.number().optional(),
      chamberTemperature: z.number().optional(),
      platformTemperature: z.number().optional(),
    })
    .optional(),
  errors: z.array(z.looseObject({ code: z.string(), text: z.string() })).default([]),
});

export type MachineDoc = z.infer<typeof machineDoc>;

export const historicJob = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String),
  name: z.string(),
  state: z.string(),
  startTime: z.string().optional(),
  endTime: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 time'),
});

export const jobsPage = z.looseObject({
  jobs: z.array(historicJob),
  hasMore: z.boolean(),
});

export type HistoricJobDoc = z.infer<typeof historicJob>;

/**
 * The watermark of a job: its end time (UTC, fixed width) and id, so that string order is time
 * order, and two jobs ending in the same second are still told apart.
 */
export function jobReference(job: HistoricJobDoc): string {
  return `${new Date(job.endTime).toISOString()}#${job.id.padStart(12, '0')}`;
}

export function parseReference(reference: string): { endTime: string; id: string } | undefined {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)#0*(\S*)$/.exec(reference);
  return match ? { endTime: match[1]!, id: match[2] || '0' } : undefined;
}
