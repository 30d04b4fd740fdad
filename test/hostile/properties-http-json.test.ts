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
import { parseJsonReply } from '../../src/collectors/sdk/http-json.ts';
import { selfSignedCertificate } from '../../src/collectors/sdk/simulator/self-signed-certificate.ts';
import { UltimakerCollector } from '../../src/collectors/ultimaker/collector.ts';
import { ultimakerConnection } from '../../src/collectors/ultimaker/config.ts';
import { printerDoc } from '../../src/collectors/ultimaker/protocol.ts';
import { fuzzRuns } from '../helpers/fuzz-runs.ts';
import {
  awkwardWord,
  BUDGET_MS,
  context,
  doc,
  JSON_FRAGMENTS,
  JsonMachine,
  jsonAnswer,
  MB,
  maybe,
  number,
  pollOnce,
  repeatedTo,
  settles,
  shared,
  text,
  time,
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

const eosMachine = doc({
  serialNumber: maybe(text),
  machineType: maybe(text),
  softwareVersion: maybe(text),
  state: maybe(
    fc.oneof(
      fc.constantFrom('idle', 'ready', 'building', 'exposing', 'paused', 'error', 'service', 'weird'),
      awkwardWord,
    ),
  ),
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

test('property: an EOSCONNECT v6 poll and history read end in a result or a CollectorError, whatever the machine answers', async () => {
  await fc.assert(
    fc.asyncProperty(jsonAnswer(eosMachine), jsonAnswer(eosJobs), async (machine, jobs) => {
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
    }),
    { numRuns: fuzzRuns(150) },
  );
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
