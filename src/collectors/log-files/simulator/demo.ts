import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_JOBS, type DemoMachines } from '../../sdk/simulator/demo.ts';
import { LogFolderSimulator } from './log-folder-simulator.ts';

/** An EOS M 290 writing its machine log to a folder: a build of 60 layers every two minutes. */
export async function startDemo(): Promise<DemoMachines> {
  const root = mkdtempSync(join(tmpdir(), 'echo-demo-eos-'));
  const sim = new LogFolderSimulator(join(root, 'logs'), 'eos', 'machine.log', 'latin1');
  let build = 0;
  let layer = 0;
  const layers = 60;
  const name = () => `${DEMO_JOBS[build % DEMO_JOBS.length]}.openjob`;
  sim.startBuild(name(), layers);
  const timer = setInterval(() => {
    layer++;
    if (layer <= layers) sim.layer(layer, layers);
    if (layer === 30) sim.line('Warning', 'Recoater: torque above 80 %');
    if (layer === layers) sim.finishBuild(name());
    if (layer === layers + 10) {
      build++;
      layer = 0;
      if (build % 5 === 0) sim.rotate();
      sim.startBuild(name(), layers);
    }
  }, 2000);
  return {
    machines: [
      {
        name: 'eos-m290',
        collector: 'log-files',
        connection: { format: 'eos', folder: sim.folder, start_at: 'beginning' },
        poll_interval: 2,
      },
    ],
    async close() {
      clearInterval(timer);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
