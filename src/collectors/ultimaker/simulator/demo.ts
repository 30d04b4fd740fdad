import { type DemoMachines, loopJobs } from '../../sdk/simulator/demo.ts';
import { UltimakerSimulator } from './ultimaker-simulator.ts';

/**
 * Two Ultimaker S5s printing in a loop, ten times faster than life, and one idle in a cell that
 * takes remote start_job (the demo sends it one, which waits for the operator's confirmation).
 */
export async function startDemo(): Promise<DemoMachines> {
  const closers: Array<() => Promise<void>> = [];
  const machines: DemoMachines['machines'] = [];
  for (const [i, name] of ['ultimaker-s5-a', 'ultimaker-s5-b'].entries()) {
    const sim = await UltimakerSimulator.start({ speed: 10, name });
    const stop = loopJobs(
      () => sim.busy,
      (job, n) => sim.startJob(job, 600 + 300 * (n % 3)),
      20_000,
      i * 2,
    );
    closers.push(async () => {
      stop();
      await sim.close();
    });
    machines.push({
      name,
      collector: 'ultimaker',
      connection: { host: sim.host, port: sim.port },
      poll_interval: 2,
    });
  }
  // The operator approves Echo's application key on the printer's screen: here, after 3 s.
  const cell = await UltimakerSimulator.start({ speed: 10, name: 'ultimaker-s5-cell', autoApproveMs: 3000 });
  closers.push(() => cell.close());
  machines.push({
    name: 'ultimaker-s5-cell',
    collector: 'ultimaker',
    connection: { host: cell.host, port: cell.port },
    poll_interval: 2,
    commands: { allow: ['start_job', 'pause_job', 'resume_job', 'cancel_job', 'check_configuration'] },
  });
  return { machines, close: async () => void (await Promise.all(closers.map((c) => c()))) };
}
