// `npm run bench -- log-outage`: issue 12's log rotation during downtime, as a figure. It runs the
// scenario of test/integration/log-outages.test.ts (the agent as it ships, SIGKILLed twice during
// bursts, down through rename and copytruncate rotations) and reads the counts the test reports,
// so the bench and the test can never measure different things. The baseline is the number of
// lines the machine PC wrote in the same run; the goal is 0 lost and 0 sent twice.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export interface LogOutageFigure {
  written: number;
  lost: number;
  twice: number;
  seconds: number;
  passed: boolean;
}

const ROOT = join(import.meta.dirname, '..');
const REPORT = /log-outage: written (\d+), lost (\d+), twice (\d+)/;

export function benchLogOutage(): LogOutageFigure {
  const began = performance.now();
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=tap', 'test/integration/log-outages.test.ts'],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const seconds = (performance.now() - began) / 1000;
  const match = REPORT.exec(run.stdout);
  if (!match) {
    process.stderr.write(
      `log-outage: the scenario reported no counts\n${run.stdout.slice(-4000)}\n${run.stderr}`,
    );
    return { written: 0, lost: Number.NaN, twice: Number.NaN, seconds, passed: false };
  }
  return {
    written: Number(match[1]),
    lost: Number(match[2]),
    twice: Number(match[3]),
    seconds,
    passed: run.status === 0,
  };
}
