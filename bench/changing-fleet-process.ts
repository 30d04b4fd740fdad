// The changing fleet of `npm run bench -- changing`, in its own process: N simulated Ultimaker
// printers, each starting a new job every 10 s (phases spread evenly, so N/10 job changes a second
// across the fleet), and the cloud emulator they are registered in. It times each change from the
// moment the printer started the job to the moment the emulator received the upload of a capture
// that shows it (both clocks are this process's). Usage: changing-fleet-process.ts <count>
import { startCloudEmulator } from '../src/cloud-emulator/server.ts';
import type { CaptureRecord } from '../src/cloud-emulator/state.ts';
import { UltimakerSimulator } from '../src/collectors/ultimaker/simulator/ultimaker-simulator.ts';
import { BENCH_TOKEN } from './shared.ts';

/** Seconds between two jobs on one printer. */
export const JOB_EVERY_S = 10;
/** A change counts as in time when its capture reached the cloud within this. */
export const ON_TIME_MS = 5000;

/** Parent → child. */
export type FleetRequest = { type: 'progress' } | { type: 'window'; windowMs: number; graceMs: number };

export interface FleetProgress {
  type: 'progress';
  /** Printers with at least one capture uploaded. */
  machinesUploaded: number;
  uploads: number;
}

export interface FleetWindow {
  type: 'window';
  windowMs: number;
  /** Job changes made on the printers during the window. */
  changes: number;
  /** Of those, how many reached the cloud (a capture showing the job was uploaded) before the grace ended, and within ON_TIME_MS. */
  delivered: number;
  onTime: number;
  /** Change → upload received, ms, of the delivered changes, sorted. */
  latenciesMs: number[];
  /** Requests per second during the window. */
  printerGetsPerS: number;
  cloudRequestsPerS: number;
  cloudByKind: Record<string, number>;
  capturesUploadedPerS: number;
  /** Uploads in the window of a capture showing a job the cloud already had (a repeat, not a change). */
  uploadsShowingSeenJob: number;
}

const count = Number(process.argv[2] ?? 50);
const emulator = await startCloudEmulator({ seedToken: BENCH_TOKEN });
const machines: Array<{ name: string; port: number; modeler: string }> = [];
const sims: UltimakerSimulator[] = [];
for (let i = 0; i < count; i++) {
  const name = `um-${String(i).padStart(4, '0')}`;
  const sim = await UltimakerSimulator.start({ name });
  sims.push(sim);
  machines.push({ name, port: sim.port, modeler: emulator.state.addModeler({ name }).uri });
}

interface Change {
  at: number;
  inWindow: boolean;
  deliveredAt?: number;
}
/** Every job started, by its uuid. */
const jobs = new Map<string, Change>();
const uploadedModelers = new Set<string>();
let uploads = 0;
let uploadsShowingSeenJob = 0;
let windowOpen = false;

emulator.state.onUpload = (capture: CaptureRecord) => {
  const at = performance.now();
  uploads++;
  if (capture.modeler) uploadedModelers.add(capture.modeler);
  if (capture.capture_type_name !== 'ultimaker.modeler.log' || !capture.content) return;
  let uuid: string | undefined;
  try {
    const document = JSON.parse(capture.content.toString('utf8')) as { print_job?: { uuid?: string } | null };
    uuid = document.print_job?.uuid;
  } catch {
    return;
  }
  const change = uuid ? jobs.get(uuid) : undefined;
  if (!change) return;
  if (change.deliveredAt === undefined) change.deliveredAt = at;
  else uploadsShowingSeenJob++;
};

// Every printer prints from the start; printer i changes job at i/N of each 10 s period.
const started = performance.now();
for (const [i, sim] of sims.entries()) {
  let k = 0;
  const next = () => {
    const uuid = sim.startJob(`job-${i}-${k++}`, 36_000);
    jobs.set(uuid, { at: performance.now(), inWindow: windowOpen });
  };
  next();
  const phase = (i / count) * JOB_EVERY_S * 1000;
  let due = started + phase;
  const tick = () => {
    next();
    due += JOB_EVERY_S * 1000;
    setTimeout(tick, Math.max(0, due - performance.now())).unref();
  };
  setTimeout(tick, Math.max(0, due - performance.now())).unref();
}

const printerRequests = () => sims.reduce((n, s) => n + s.requests, 0);

async function measureWindow(windowMs: number, graceMs: number): Promise<FleetWindow> {
  const firstRequestAt = Date.now();
  const printerBefore = printerRequests();
  const uploadsBefore = uploads;
  const seenBefore = uploadsShowingSeenJob;
  windowOpen = true;
  const began = performance.now();
  await new Promise((r) => setTimeout(r, windowMs));
  windowOpen = false;
  const seconds = (performance.now() - began) / 1000;
  const printerGets = printerRequests() - printerBefore;
  const uploadsInWindow = uploads - uploadsBefore;
  const seen = uploadsShowingSeenJob - seenBefore;
  // The requests of the window (the emulator keeps the last 100,000 to 200,000: enough here).
  const cloudByKind: Record<string, number> = {};
  let cloudRequests = 0;
  const lastAt = Date.now();
  for (const r of emulator.state.requests) {
    if (r.at < firstRequestAt || r.at > lastAt) continue;
    cloudRequests++;
    const kind = `${r.method} ${r.path.replace(/[0-9a-f-]{36}/g, ':id')}`;
    cloudByKind[kind] = (cloudByKind[kind] ?? 0) + 1;
  }
  for (const kind of Object.keys(cloudByKind)) cloudByKind[kind] = cloudByKind[kind]! / seconds;
  const inWindow = () => [...jobs.values()].filter((c) => c.inWindow);
  const graceEnds = performance.now() + graceMs;
  while (performance.now() < graceEnds && inWindow().some((c) => c.deliveredAt === undefined)) {
    await new Promise((r) => setTimeout(r, 250));
  }
  const changes = inWindow();
  const latenciesMs = changes
    .filter((c) => c.deliveredAt !== undefined)
    .map((c) => c.deliveredAt! - c.at)
    .sort((a, b) => a - b);
  for (const c of changes) c.inWindow = false;
  return {
    type: 'window',
    windowMs: seconds * 1000,
    changes: changes.length,
    delivered: latenciesMs.length,
    onTime: latenciesMs.filter((ms) => ms <= ON_TIME_MS).length,
    latenciesMs,
    printerGetsPerS: printerGets / seconds,
    cloudRequestsPerS: cloudRequests / seconds,
    cloudByKind,
    capturesUploadedPerS: uploadsInWindow / seconds,
    uploadsShowingSeenJob: seen,
  };
}

process.on('message', (message: FleetRequest) => {
  if (message.type === 'progress') {
    process.send!({
      type: 'progress',
      machinesUploaded: uploadedModelers.size,
      uploads,
    } satisfies FleetProgress);
  } else if (message.type === 'window') {
    void measureWindow(message.windowMs, message.graceMs).then((result) => process.send!(result));
  }
});
process.stdout.write(`${JSON.stringify({ url: emulator.url, machines })}\n`);
