import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { fuzzRuns } from '../../../../test/helpers/fuzz-runs.ts';
import { findEvent, MAX_JOB_NAME } from './events.ts';

/**
 * The regular expressions `findEvent` replaced (quadratic on long lines), kept as the reference
 * for what a job marker is. On short lines they must agree.
 */
const REFERENCE = {
  started:
    /\b(?:build|job|print)\b\s*[:=]?\s*["'“]?([^"'”]+?)["'”]?\s+(?:started|begins|start)\b(?:.*?\b(\d+)\s+layers\b)?/i,
  layer: /\blayer\s+(\d+)\s*(?:of|\/)\s*(\d+)/i,
  finished: /\b(?:build|job|print)\b.*\b(?:finished|completed|done)\b/i,
  aborted: /\b(?:build|job|print)\b.*\b(?:aborted|cancelled|canceled|stopped by (?:the )?operator)\b/i,
  failed: /\b(?:build|job|print)\b.*\bfailed\b/i,
};

function reference(
  message: string,
): { kind: string; job?: string; layer?: number; layers?: number } | undefined {
  const started = REFERENCE.started.exec(message);
  if (started) {
    return {
      kind: 'job_started',
      job: started[1]!.trim(),
      ...(started[2] ? { layers: Number(started[2]) } : {}),
    };
  }
  if (REFERENCE.aborted.test(message)) return { kind: 'job_aborted' };
  if (REFERENCE.failed.test(message)) return { kind: 'job_failed' };
  if (REFERENCE.finished.test(message)) return { kind: 'job_finished' };
  const layer = REFERENCE.layer.exec(message);
  if (layer) return { kind: 'layer', layer: Number(layer[1]), layers: Number(layer[2]) };
  return undefined;
}

test('job markers as the vendors write them', () => {
  assert.deepEqual(findEvent('Build "Q20-0412" started, 1800 layers'), {
    kind: 'job_started',
    job: 'Q20-0412',
    layers: 1800,
  });
  assert.deepEqual(findEvent('Print: “Bracket v2” begins (400 layers)'), {
    kind: 'job_started',
    job: 'Bracket v2',
    layers: 400,
  });
  assert.deepEqual(findEvent('build = part_a start'), { kind: 'job_started', job: 'part_a' });
  assert.deepEqual(findEvent('Print stopped by the operator'), { kind: 'job_aborted' });
  assert.deepEqual(findEvent('job failed: laser'), { kind: 'job_failed' });
  assert.deepEqual(findEvent('Build finished'), { kind: 'job_finished' });
  assert.deepEqual(findEvent('Layer 12 of 40'), { kind: 'layer', layer: 12, layers: 40 });
  assert.equal(findEvent('EBM Control 5.2.52 started'), undefined);
  assert.equal(findEvent('jobs started'), undefined);
  // The reference took ":" for a job name here; a name of punctuation only is no job.
  assert.equal(findEvent('job: started'), undefined);
  // A count past 2^53 is no count (it read as Infinity, and the progress as NaN).
  const huge = '9'.repeat(400);
  assert.equal(findEvent(`Layer ${huge} of ${huge}`), undefined);
  assert.equal(findEvent(`Layer 3 of 90071992547409930`), undefined);
  assert.deepEqual(findEvent(`Build "x" started, ${huge} layers`), { kind: 'job_started', job: 'x' });
  const long = findEvent(`Build "${'n'.repeat(5000)}" started`);
  assert.equal(long?.job?.length, MAX_JOB_NAME);
});

const VOCABULARY = [
  'build',
  'Job',
  'PRINT',
  'started',
  'begins',
  'start',
  'layers',
  '12',
  '7',
  'finished',
  'done',
  'aborted',
  'failed',
  'stopped',
  'by',
  'the',
  'operator',
  'layer',
  'of',
  '/',
  'x',
  'Q-1',
  ' ',
  ':',
  '=',
  '"',
  "'",
  '“',
  '”',
  ',',
  '\n',
  '\t',
];

test('property: agrees with the reference regular expressions on short lines', () => {
  const line = fc
    .array(fc.tuple(fc.constantFrom(...VOCABULARY), fc.boolean()), { minLength: 1, maxLength: 12 })
    .map((parts) => parts.map(([word, space]) => (space ? `${word} ` : word)).join(''));
  fc.assert(
    fc.property(line, (message) => {
      const expected = reference(message);
      // Where the reference made a job name of punctuation alone, the new finder sees no start.
      if (expected?.kind === 'job_started' && !/\w/.test(expected.job ?? '')) return;
      assert.deepEqual(findEvent(message), expected);
    }),
    { numRuns: fuzzRuns(3000) },
  );
});

test('property: any line of 100 KB is read within a time budget (a quadratic parser takes minutes)', () => {
  // Linear costs about 10 ms here; the budget is a hundred times that, so only a quadratic
  // (15 s on an 80 KB line before) or worse finder fails it.
  const BUDGET_MS = 1000;
  const words = fc.constantFrom(...VOCABULARY, 'build build ', 'job x.start ', '"a', 'layer ');
  const hostile = fc
    .array(words, { minLength: 1, maxLength: 8 })
    .map((parts) => parts.join(' ').repeat(Math.ceil(100_000 / Math.max(1, parts.join(' ').length))));
  fc.assert(
    fc.property(hostile, (message) => {
      const started = performance.now();
      findEvent(message);
      const took = performance.now() - started;
      assert.ok(took < BUDGET_MS, `${took.toFixed(0)} ms for a ${message.length}-character line`);
    }),
    { numRuns: fuzzRuns(40) },
  );
});
