/**
 * Property tests (fast-check) of the HTTP/JSON collectors, Ultimaker and EOSCONNECT v6 (HTTPS with
 * a pinned certificate), driven through their own `poll` on a real socket: whatever the machine
 * answers, a poll ends in a snapshot the scheduler accepts or a `CollectorError`, within the time
 * budget; and the JSON parser alone, fed a megabyte of hostile text. Shared scaffolding:
 * `property-harness.ts`. `ECHO_FUZZ_RUNS` scales the case counts.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { EosConnectV6Collector } from '../../src/collectors/eos-connect-v6/collector.ts';
import { eosConnectV6Connection } from '../../src/collectors/eos-connect-v6/config.ts';
import { toSnapshot as eosSnapshot } from '../../src/collectors/eos-connect-v6/map.ts';
import { machineDoc } from '../../src/collectors/eos-connect-v6/protocol.ts';
import { parseJsonReply } from '../../src/collectors/sdk/http-json.ts';
import type { MachineSnapshot } from '../../src/collectors/sdk/machine-snapshot.ts';
import { selfSignedCertificate } from '../../src/collectors/sdk/simulator/self-signed-certificate.ts';
import { UltimakerCollector } from '../../src/collectors/ultimaker/collector.ts';
import { ultimakerConnection } from '../../src/collectors/ultimaker/config.ts';
import { printerDoc } from '../../src/collectors/ultimaker/protocol.ts';
import { fuzzRuns } from '../helpers/fuzz-runs.ts';
import {
  assertAccepted,
  awkwardWord,
  BUDGET_MS,
  context,
  doc,
  expectState,
  isoDate,
  JSON_FRAGMENTS,
  JsonMachine,
  jsonAnswer,
  MB,
  mappingSettles,
  maybe,
  mostlyValid,
  number,
  numberIn,
  pollOnce,
  ReachCount,
  repeatedTo,
  settles,
  shared,
  stateWord,
  text,
  time,
  wideTime,
} from './property-harness.ts';

let ultimaker: JsonMachine;
let eos: JsonMachine;
let eosFingerprint: string;

before(async () => {
  ultimaker = await JsonMachine.start();
  const certificate = await selfSignedCertificate('si2381');
  eosFingerprint = certificate.fingerprint256;
  eos = await JsonMachine.start({ cert: certificate.cert, key: certificate.key });
});

after(async () => {
  await shared.close();
  await Promise.all([ultimaker.close(), eos.close()]);
});

// ---------------------------------------------------------------------------------------------
// Ultimaker (HTTP/JSON).
// ---------------------------------------------------------------------------------------------

const temperature = fc.record({ current: maybe(number), target: maybe(number) });
const ultimakerPrinter = doc({
  status: maybe(
    fc.oneof(fc.constantFrom('idle', 'printing', 'error', 'maintenance', 'booting'), awkwardWord),
  ),
  bed: maybe(fc.record({ temperature: maybe(temperature), type: maybe(text) })),
  heads: maybe(
    fc.array(
      fc.record({
        extruders: maybe(
          fc.array(
            fc.record({ hotend: maybe(fc.record({ id: maybe(text), temperature: maybe(temperature) })) }),
            {
              maxLength: 3,
            },
          ),
        ),
      }),
      { maxLength: 3 },
    ),
  ),
});
const ultimakerJob = doc({
  name: maybe(text),
  uuid: maybe(text),
  state: maybe(
    fc.oneof(
      fc.constantFrom('none', 'printing', 'paused', 'pausing', 'post_print', 'wait_cleanup', 'pre_print'),
      awkwardWord,
    ),
  ),
  progress: maybe(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), number)),
  time_elapsed: maybe(number),
  time_total: maybe(number),
  datetime_started: maybe(time),
  result: maybe(fc.oneof(fc.constantFrom('Finished', 'Aborted', 'Failed', ''), awkwardWord)),
});
const ultimakerSystem = doc({
  firmware: maybe(text),
  name: maybe(text),
  guid: maybe(text),
  variant: maybe(text),
});
const ultimakerEvents = fc.array(doc({ time: maybe(time), type_id: maybe(number), message: maybe(text) }), {
  maxLength: 5,
});

test('property: an Ultimaker poll ends in an accepted snapshot or a CollectorError, whatever the printer answers', async () => {
  await fc.assert(
    fc.asyncProperty(
      jsonAnswer(ultimakerSystem),
      jsonAnswer(ultimakerPrinter),
      jsonAnswer(ultimakerJob),
      jsonAnswer(ultimakerEvents),
      async (system, printer, job, events) => {
        ultimaker.answers = {
          '/api/v1/system': system,
          '/api/v1/printer': printer,
          '/api/v1/print_job': job,
          '/api/v1/history/events': events,
        };
        const collector = new UltimakerCollector(
          ultimakerConnection.parse({ host: '127.0.0.1', port: ultimaker.port }),
          context(),
        );
        await pollOnce('ultimaker', collector);
      },
    ),
    { numRuns: fuzzRuns(300) },
  );
});

// ---------------------------------------------------------------------------------------------
// EOSCONNECT v6 (HTTPS, pinned certificate, JSON).
// ---------------------------------------------------------------------------------------------

/** State words of EOSCONNECT v6 machines, and one it does not document. */
const EOS_STATE_WORDS = [
  'idle',
  'ready',
  'building',
  'exposing',
  'recoating',
  'paused',
  'error',
  'service',
  'weird',
] as const;

/** Any shape, each field maybe wrong: mostly refused by the schema (the refusal path). */
const eosMachine = doc({
  serialNumber: maybe(text),
  machineType: maybe(text),
  softwareVersion: maybe(text),
  state: maybe(fc.oneof(fc.constantFrom(...EOS_STATE_WORDS), awkwardWord)),
  currentJob: maybe(
    doc({
      id: maybe(fc.oneof(text, number)),
      name: maybe(text),
      currentLayer: maybe(number),
      totalLayers: maybe(number),
      startTime: maybe(time),
      estimatedEndTime: maybe(time),
    }),
  ),
  process: maybe(
    doc({
      oxygenPercent: maybe(number),
      chamberTemperature: maybe(number),
      platformTemperature: maybe(number),
    }),
  ),
  errors: maybe(fc.array(fc.record({ code: maybe(text), text: maybe(text) }), { maxLength: 3 })),
});
const eosJobs = doc({
  jobs: maybe(
    fc.array(
      doc({
        id: maybe(fc.oneof(text, number)),
        name: maybe(text),
        state: maybe(
          fc.oneof(fc.constantFrom('finished', 'failed', 'aborted', 'cancelled', 'x'), awkwardWord),
        ),
        startTime: maybe(time),
        endTime: maybe(time),
      }),
      { maxLength: 5 },
    ),
  ),
  hasMore: maybe(fc.boolean()),
});

/** Left out, or there: the schema's `optional()` fields (null is not allowed there). */
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 6 });

/** Strip the absent (`undefined`) fields: JSON would drop them anyway; this keeps the document honest. */
const present = (record: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));

const anyText = fc.oneof(text, awkwardWord);

/**
 * A `/machine` document `machineDoc` (protocol.ts) accepts, with the hostile variety where the
 * mapping reads: state words (documented, in other cases, awkward), layer counts at their edges
 * (0 layers, more done than planned), times at the edges of `Date` or not times at all, and
 * process values of any sign and size.
 */
const eosMachineValid = fc
  .record({
    serialNumber: anyText,
    machineType: anyText,
    softwareVersion: optional(anyText),
    state: fc.oneof(stateWord([...EOS_STATE_WORDS]), awkwardWord),
    currentJob: optional(
      fc.oneof(
        {
          weight: 6,
          arbitrary: fc
            .record({
              id: fc.oneof(anyText, numberIn({ int: true }), numberIn()),
              name: anyText,
              currentLayer: optional(numberIn({ min: 0, int: true })),
              totalLayers: optional(numberIn({ min: 0, int: true })),
              startTime: optional(wideTime),
              estimatedEndTime: optional(wideTime),
            })
            .map(present),
        },
        { weight: 1, arbitrary: fc.constant(null) },
      ),
    ),
    process: optional(
      fc
        .record({
          oxygenPercent: optional(numberIn()),
          chamberTemperature: optional(numberIn()),
          platformTemperature: optional(numberIn()),
        })
        .map(present),
    ),
    errors: optional(fc.array(fc.record({ code: anyText, text: anyText }), { maxLength: 3 })),
  })
  .map(present);

/** A `/jobs` page `jobsPage` accepts: end times `Date` can read, at its edges too, and any state word. */
const eosJobsValid = fc.record({
  jobs: fc.array(
    fc
      .record({
        id: fc.oneof(anyText, numberIn({ int: true }), numberIn()),
        name: anyText,
        state: fc.oneof(stateWord(['finished', 'failed', 'aborted', 'cancelled', 'completed']), awkwardWord),
        startTime: optional(wideTime),
        endTime: fc.oneof(
          isoDate,
          fc.constantFrom(
            '2024-05-02T10:00:00Z',
            '2024-05-02',
            '+275760-09-13T00:00:00.000Z',
            '-271821-04-20T00:00:00.000Z',
            '1970-01-01T00:00:00.000Z',
          ),
        ),
      })
      .map(present),
    { maxLength: 5 },
  ),
  hasMore: fc.boolean(),
});

const valid200 = (document: fc.Arbitrary<unknown>) =>
  fc.record({ status: fc.constant(200), body: document.map((d) => JSON.stringify(d)) });
const eosMachineAnswer = mostlyValid(
  valid200(eosMachineValid),
  jsonAnswer(eosMachine),
) as fc.Arbitrary<Answer>;
const eosJobsAnswer = mostlyValid(valid200(eosJobsValid), jsonAnswer(eosJobs)) as fc.Arbitrary<Answer>;
type Answer = { status: number; body: string };

/** A copy of map.ts's table: the property checks the mapping against it. */
const EOS_STATES: Record<string, MachineSnapshot['state']> = {
  idle: 'idle',
  ready: 'idle',
  building: 'printing',
  exposing: 'printing',
  recoating: 'printing',
  paused: 'paused',
  error: 'error',
  maintenance: 'maintenance',
  service: 'maintenance',
};

test('property: an EOSCONNECT v6 poll and history read end in a result or a CollectorError, whatever the machine answers', async () => {
  const reach = new ReachCount();
  await fc.assert(
    fc.asyncProperty(eosMachineAnswer, eosJobsAnswer, async (machine, jobs) => {
      eos.answers = { '/api/v6/machine': machine, '/api/v6/jobs': jobs };
      const collector = new EosConnectV6Collector(
        eosConnectV6Connection.parse({
          host: '127.0.0.1',
          port: eos.port,
          tls: { fingerprint: eosFingerprint },
        }),
        context(),
      );
      await pollOnce('eos-connect-v6', collector);
      const page = await settles('eos-connect-v6 readHistory', () =>
        collector.readHistory(undefined, 50, AbortSignal.timeout(BUDGET_MS)),
      );
      for (const job of page?.jobs ?? []) {
        assert.equal(typeof job.reference, 'string');
        for (const past of job.pastJobs ?? [])
          assert.ok(!Number.isNaN(Date.parse(past.endedAt)), past.endedAt);
      }
      // The same /machine through the collector's boundary and mapping: what the poll's state must be.
      const doc = mappingSettles('eos-connect-v6 /machine boundary', () =>
        parseJsonReply('https://fuzzed/api/v6/machine', machine.status, machine.body, machineDoc),
      );
      reach.note(doc !== undefined);
      if (!doc) return;
      const snapshot = mappingSettles('eos-connect-v6 toSnapshot', () => eosSnapshot(doc, Date.now()))!;
      assertAccepted('eos-connect-v6', snapshot, doc);
      assert.equal(snapshot.state, expectState(EOS_STATES, doc.state.toLowerCase()));
    }),
    { numRuns: fuzzRuns(150) },
  );
  reach.assertMostlyReached('eos-connect-v6 /machine');
});

// ---------------------------------------------------------------------------------------------
// A megabyte input: the JSON parser alone, on a hostile fragment repeated to about 1 MB.
// ---------------------------------------------------------------------------------------------

test('property: a 1 MB JSON answer of any repeated shape is parsed or refused within the budget', async () => {
  await fc.assert(
    fc.asyncProperty(
      repeatedTo(MB, [...JSON_FRAGMENTS, '{"a":', '[1,', '"x":"y",', '{"__proto__":']),
      async (body) => {
        const printer = await settles('parseJsonReply (printer)', () =>
          parseJsonReply('http://fuzzed/api/v1/printer', 200, body, printerDoc),
        );
        if (printer !== undefined) assert.equal(typeof printer.status, 'string');
      },
    ),
    { numRuns: fuzzRuns(30) },
  );
});
