// The agent alone in a process: drains the log backlog in <data_dir> to the emulator and reports
// the time it took and its peak RSS. Usage: drain-agent.ts <data_dir> <cloud_url> <modeler>
import { Agent } from '../src/core/agent.ts';
import { benchConfig } from './shared.ts';

const [dataDir, cloudUrl, modeler] = process.argv.slice(2) as [string, string, string];
const config = benchConfig(dataDir, cloudUrl, modeler);
global.gc?.();
const idleRss = process.memoryUsage().rss;
let peakRss = idleRss;
let atPeak = process.memoryUsage();
const sampler = setInterval(() => {
  const usage = process.memoryUsage();
  if (usage.rss > peakRss) {
    peakRss = usage.rss;
    atPeak = usage;
  }
}, 20);
const start = performance.now();
const agent = await Agent.start({ config, api: false });
const backlog = agent.store.stats.counts().logs.pending;
while (agent.store.logs.hasPending()) await new Promise((r) => setTimeout(r, 20));
const seconds = (performance.now() - start) / 1000;
clearInterval(sampler);
await agent.stop();
process.stdout.write(`${JSON.stringify({ backlog, seconds, idleRss, peakRss, atPeak })}\n`);
process.exit(0);
