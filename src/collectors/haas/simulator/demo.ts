import { type DemoMachines, loopJobs } from '../../sdk/simulator/demo.ts';
import { PtyPair } from '../../sdk/simulator/pty-pair.ts';
import { HaasSimulator } from './haas-simulator.ts';

/**
 * A Haas VF-2 cutting a part every 40 s: on a socat serial pair when socat is installed (the real
 * RS-232 path), else on its TCP Q-command port.
 */
export async function startDemo(): Promise<DemoMachines> {
  const sim = new HaasSimulator();
  let pty: PtyPair | undefined;
  let connection: Record<string, unknown>;
  if (PtyPair.available()) {
    pty = await PtyPair.open();
    await sim.attachSerial(pty.machinePath);
    connection = { transport: 'serial', serial: { path: pty.hostPath } };
  } else {
    connection = { transport: 'tcp', host: '127.0.0.1', port: await sim.listenTcp() };
  }
  let n = 0;
  const stop = loopJobs(
    () => sim.status !== 'IDLE',
    () => sim.runProgram(`O0${1000 + (n++ % 7)}`, 30_000),
    10_000,
  );
  return {
    machines: [{ name: 'haas-vf2', collector: 'haas', connection, poll_interval: 2 }],
    async close() {
      stop();
      await sim.close();
      await pty?.close();
    },
  };
}
