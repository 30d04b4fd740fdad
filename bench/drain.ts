import { once } from 'node:events';
import { Store } from '../src/core/store/store.ts';
import { BENCH_TOKEN, SCALE, startChild, stopChild, workDir } from './shared.ts';

/** Fills a store with `count` small log records, as an outage would leave them. */
async function makeBacklog(dataDir: string, count: number): Promise<void> {
  const store = Store.open({
    dataDir,
    maxSizeBytes: 8 * 1024 ** 3,
    whenFull: 'drop_oldest_captures',
    retentionMs: 3600_000,
    inlineMaxBytes: 256 * 1024,
    startupCheckMaxBytes: 0,
    groupCommit: { maxRecords: 5000, maxWaitMs: 4 },
  });
  const timestamp = new Date().toISOString();
  for (let i = 0; i < count; i += 10_000) {
    const writes: Promise<void>[] = [];
    for (let j = i; j < Math.min(count, i + 10_000); j++) {
      writes.push(
        store.ingestLog({
          source: 'machine',
          machine: 'bench-1',
          level: 'INFO',
          timestamp,
          message: `layer ${j} done in 41.2 s`,
        }),
      );
    }
    await Promise.all(writes);
  }
  store.close();
}

/** The same batches POSTed straight from memory with no store: the transport's ceiling. */
async function rawPostRate(url: string, count: number): Promise<number> {
  const timestamp = new Date().toISOString();
  const auth = `Basic ${Buffer.from(`${BENCH_TOKEN.uuid}:${BENCH_TOKEN.secret}`).toString('base64')}`;
  const start = performance.now();
  for (let i = 0; i < count; i += 1000) {
    const logs = [];
    for (let j = i; j < Math.min(count, i + 1000); j++) {
      logs.push({
        level: 'INFO',
        timestamp,
        message: `layer ${j} done in 41.2 s`,
        user_uuid: null,
        context: { source: 'machine', machine: 'bench-1' },
      });
    }
    const response = await fetch(`${url}logs/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: auth },
      body: JSON.stringify({ echo_version: '0', workstation_name: 'bench', logs }),
    });
    await response.text();
  }
  return count / ((performance.now() - start) / 1000);
}

export async function benchDrain() {
  const count = Math.max(20_000, Math.round(1_000_000 * SCALE));
  const dataDir = workDir('drain');
  const fillStart = performance.now();
  await makeBacklog(dataDir, count);
  const fillSeconds = (performance.now() - fillStart) / 1000;

  const emulator = await startChild('emulator-process.ts');
  const { url, modeler } = JSON.parse(emulator.first) as { url: string; modeler: string };
  const rawCount = Math.min(count, 200_000);
  const raw = await rawPostRate(url, rawCount);
  const agent = await startChild('bench-drain-agent.mjs', [dataDir, url, modeler]);
  const result = JSON.parse(agent.first) as {
    backlog: number;
    seconds: number;
    idleRss: number;
    peakRss: number;
    atPeak: NodeJS.MemoryUsage;
  };
  if (process.env.BENCH_VERBOSE) console.log('memory at peak', result.atPeak);
  await once(agent.child, 'exit');
  emulator.child.send('state');
  const [state] = (await once(emulator.child, 'message')) as [{ log_entries: number }];
  await stopChild(emulator.child);
  return {
    count,
    fillSeconds,
    raw,
    rate: result.backlog / result.seconds,
    received: state.log_entries - rawCount,
    ...result,
  };
}
