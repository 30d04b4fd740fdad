/**
 * How many cases a property test runs: its default in `npm test`, that many times
 * `ECHO_FUZZ_RUNS` in `npm run fuzz` (e.g. `ECHO_FUZZ_RUNS=25`: 25 times as many cases, so a
 * costly property with few cases by default stays in proportion to a cheap one with many).
 */
export function fuzzRuns(defaultRuns: number): number {
  const factor = Number(process.env.ECHO_FUZZ_RUNS ?? '');
  if (!Number.isFinite(factor) || factor <= 1) return defaultRuns;
  return Math.round(defaultRuns * factor);
}
