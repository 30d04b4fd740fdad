/**
 * Property tests (fast-check) of the Stratasys collector through MTConnect (HTTP/XML), driven
 * through its own `poll` and history read on a real socket: whatever the agent answers, they end in
 * a result the scheduler accepts or a `CollectorError`, within the time budget; and the XML parser
 * alone, fed a megabyte of hostile text. Shared scaffolding: `property-harness.ts`.
 * `ECHO_FUZZ_RUNS` scales the case counts.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { machineSnapshot } from '../../src/collectors/sdk/machine-snapshot.ts';
import { StratasysCollector } from '../../src/collectors/stratasys-mtconnect/collector.ts';
import { stratasysConnection } from '../../src/collectors/stratasys-mtconnect/config.ts';
import { toSnapshot as mtconnectSnapshot } from '../../src/collectors/stratasys-mtconnect/map.ts';
import { parseStreams } from '../../src/collectors/stratasys-mtconnect/protocol.ts';
import { fuzzRuns } from '../helpers/fuzz-runs.ts';
import {
  awkwardWord,
  BUDGET_MS,
  context,
  JsonMachine,
  MB,
  mappingSettles,
  number,
  pollOnce,
  repeatedTo,
  settles,
  shared,
  text,
} from './property-harness.ts';

let mtconnect: JsonMachine;

before(async () => {
  mtconnect = await JsonMachine.start();
});

after(async () => {
  await shared.close();
  await mtconnect.close();
});

// ---------------------------------------------------------------------------------------------
// Stratasys through MTConnect (HTTP/XML).
// ---------------------------------------------------------------------------------------------

const TAGS = [
  'Execution',
  'Availability',
  'Program',
  'PartCount',
  'Temperature',
  'SerialNumber',
  'FirmwareVersion',
  'Fault',
  'Warning',
  'Normal',
  '__proto__',
  'constructor',
  'x',
];
const attribute = fc
  .tuple(
    fc.constantFrom(
      'dataItemId',
      'sequence',
      'timestamp',
      'type',
      'subType',
      'name',
      'component',
      '__proto__',
    ),
    fc.oneof(text, number.map(String), fc.constantFrom('UNAVAILABLE', '1', '-1', 'NaN', '1e999')),
  )
  .map(([k, v]) => ` ${k}="${v.replace(/[<&"]/g, '')}"`);
const observation = fc
  .tuple(
    fc.constantFrom(...TAGS),
    fc.array(attribute, { maxLength: 4 }),
    fc.oneof(text, number.map(String), fc.constant('UNAVAILABLE'), awkwardWord),
  )
  .map(([tag, attrs, value]) => `<${tag}${attrs.join('')}>${value.replace(/[<&]/g, '')}</${tag}>`);
const category = fc
  .tuple(fc.constantFrom('Events', 'Samples', 'Condition', 'Other'), fc.array(observation, { maxLength: 6 }))
  .map(([name, items]) => `<${name}>${items.join('')}</${name}>`);
const component = fc
  .tuple(fc.array(attribute, { maxLength: 2 }), fc.array(category, { maxLength: 3 }))
  .map(([attrs, cats]) => `<ComponentStream${attrs.join('')}>${cats.join('')}</ComponentStream>`);
const header = fc
  .array(
    fc.tuple(
      fc.constantFrom('instanceId', 'firstSequence', 'nextSequence', 'lastSequence'),
      fc.oneof(
        fc.integer({ min: -5, max: 1e9 }).map(String),
        text.map((s) => s.replace(/[<&"]/g, '')),
      ),
    ),
    { maxLength: 5 },
  )
  .map((attrs) => `<Header${attrs.map(([k, v]) => ` ${k}="${v}"`).join('')}/>`);
const VALID_HEADER = '<Header instanceId="7" firstSequence="1" nextSequence="40" lastSequence="39"/>';
const streamsDocument = fc
  .tuple(fc.oneof(fc.constant(VALID_HEADER), header), fc.array(component, { maxLength: 3 }))
  .map(
    ([head, components]) =>
      `<?xml version="1.0"?><MTConnectStreams>${head}<Streams><DeviceStream name="F370">${components.join('')}</DeviceStream></Streams></MTConnectStreams>`,
  );
const XML_FRAGMENTS = [
  '<',
  '>',
  '</',
  '/>',
  '<a>',
  '</a>',
  '<a b="',
  '"',
  '&',
  '&lt;',
  '&lol;',
  '<!--',
  '-->',
  '<![CDATA[',
  ']]>',
  '<?xml',
  '<!DOCTYPE x [',
  '<!ENTITY e "',
  ' ',
  'MTConnectStreams',
  'Header',
];
const xmlFragments = fc.array(fc.constantFrom(...XML_FRAGMENTS), { maxLength: 60 }).map((p) => p.join(''));
const xmlAnswer = fc.record({
  status: fc.oneof(
    { weight: 10, arbitrary: fc.constant(200) },
    { weight: 1, arbitrary: fc.constantFrom(400, 404, 500) },
  ),
  body: fc.oneof(
    { weight: 6, arbitrary: streamsDocument },
    { weight: 1, arbitrary: xmlFragments },
    { weight: 1, arbitrary: text },
  ),
});

test('property: an MTConnect poll and history read end in a result or a CollectorError, whatever the agent answers', async () => {
  await fc.assert(
    fc.asyncProperty(xmlAnswer, xmlAnswer, async (current, sample) => {
      mtconnect.answers = { '/current': current, '/sample': sample };
      const collector = new StratasysCollector(
        stratasysConnection.parse({ url: `http://127.0.0.1:${mtconnect.port}/` }),
        context(),
      );
      await pollOnce('stratasys-mtconnect', collector);
      await settles('stratasys-mtconnect readHistory', () =>
        collector.readHistory(undefined, 100, AbortSignal.timeout(BUDGET_MS)),
      );
    }),
    { numRuns: fuzzRuns(300) },
  );
});

// ---------------------------------------------------------------------------------------------
// A megabyte input: the XML parser alone, on a hostile fragment repeated to about 1 MB.
// ---------------------------------------------------------------------------------------------

test('property: a 1 MB MTConnect answer of any repeated shape is parsed or refused within the budget', async () => {
  const fragments = [
    ...XML_FRAGMENTS,
    '<Events>',
    '<Execution sequence="1">ACTIVE</Execution>',
    '<DeviceStream>',
    '<ComponentStream name="x">',
    `<MTConnectStreams>${VALID_HEADER}<Streams>`,
  ];
  await fc.assert(
    fc.asyncProperty(repeatedTo(MB, fragments), async (xml) => {
      // The mapping budget (5 s), not the poll's: a megabyte takes 100–250 ms here, over 1 s once
      // under `npm run fuzz` on a loaded machine; a parser that went quadratic would take minutes.
      const parsed = mappingSettles('parseStreams', () => parseStreams(xml, 'http://fuzzed/current'));
      if (parsed) {
        const snapshot = mappingSettles('mtconnect toSnapshot', () => mtconnectSnapshot(parsed.observations));
        assert.ok(machineSnapshot.safeParse(snapshot).success, JSON.stringify(snapshot).slice(0, 300));
      }
    }),
    { numRuns: fuzzRuns(30) },
  );
});
