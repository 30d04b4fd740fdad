/**
 * Issue 15 follow-up, "One bad machine must never stop the others", for CatalystEX-era Stratasys
 * printers (their status port: 64-byte NUL-padded packets, then `status.sts`): a size packet that
 * lies (a terabyte, more than comes, less than comes), packets without NUL, a flood, something
 * else on the port, a reset mid-file, a byte-by-byte dribble (too slow, and slow but whole) and a
 * status file of 2 M nested braces, against the agent as it ships, next to a healthy Ultimaker
 * polled every second and a healthy CatalystEX printer.
 */
import { test } from 'node:test';
import { startPerMode } from './attack.ts';
import { runMachineGroupAttack } from './attack-runner.ts';
import { CATALYSTEX_EXPECTED, type CatalystexHostility, HostileCatalystex } from './machine-catalystex.ts';
import type { Expectation } from './machine-kit.ts';
import type { MachineEntry } from './real-agent.ts';

type Failing = keyof typeof CATALYSTEX_EXPECTED;
const FAILING = Object.keys(CATALYSTEX_EXPECTED) as Failing[];
/** Hostile, yet a whole and correct answer: the machine must keep working. */
const SURVIVING: Record<string, RegExp> = {
  'dribble-fast': /^idle$/,
  // The status word is 4 MB of braces: not a word Echo knows.
  'deep-braces': /^unknown$/,
};

test('hostile CatalystEX status ports against the real agent: each fails alone, the healthy ones stay on time', async (t) => {
  await runMachineGroupAttack(t, async (t) => {
    const modes = [...FAILING, ...Object.keys(SURVIVING), 'healthy'] as CatalystexHostility[];
    const printers = await startPerMode(t, modes, () => HostileCatalystex.start());
    const entries: MachineEntry[] = [...printers].map(([mode, printer]) => ({
      name: `catex-${mode}`,
      collector: 'catalystex',
      connection: { host: '127.0.0.1', port: printer.port },
      poll_interval: 1,
      timeout: 5,
    }));
    const expected: Record<string, Expectation> = {};
    for (const mode of FAILING) expected[`catex-${mode}`] = CATALYSTEX_EXPECTED[mode];
    const stayUp: Record<string, RegExp> = { 'catex-healthy': /^idle$/ };
    for (const [mode, state] of Object.entries(SURVIVING)) stayUp[`catex-${mode}`] = state;
    return {
      entries,
      expected,
      stayUp,
      turn: () => {
        for (const [mode, printer] of printers) printer.mode = mode as CatalystexHostility;
      },
      sent: () => [...printers.values()].reduce((sum, p) => sum + p.bytesSent, 0),
      attackMs: 30_000,
      baselineMs: 8000,
    };
  });
});
