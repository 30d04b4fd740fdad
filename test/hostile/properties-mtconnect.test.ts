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
import { type MachineSnapshot, machineSnapshot } from '../../src/collectors/sdk/machine-snapshot.ts';
import { StratasysCollector } from '../../src/collectors/stratasys-mtconnect/collector.ts';
import { stratasysConnection } from '../../src/collectors/stratasys-mtconnect/config.ts';
import { toSnapshot as mtconnectSnapshot, readingsOf } from '../../src/collectors/stratasys-mtconnect/map.ts';
import { type Observation, parseStreams } from '../../src/collectors/stratasys-mtconnect/protocol.ts';
import { fuzzRuns } from '../helpers/fuzz-runs.ts';
import {
  assertAccepted,
  awkwardWord,
  BUDGET_MS,
  context,
  expectState,
  isoDate,
  JsonMachine,
  MB,
  mappingSettles,
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

/** Text inside an element or an attribute, escaped as an agent would: it reads back as sent. */
const escapeXml = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The Execution words of MTConnect Part 2 (the ones map.ts lists, and ones it does not). */
const EXECUTION_WORDS = [
  'READY',
  'ACTIVE',
  'INTERRUPTED',
  'FEED_HOLD',
  'STOPPED',
  'OPTIONAL_STOP',
  'PROGRAM_STOPPED',
  'PROGRAM_COMPLETED',
  'PROGRAM_OPTIONAL_STOP',
  'WAIT',
  'UNAVAILABLE',
];
/** An observation's value where the mapping reads a number: edges, and words that are not numbers. */
const numeric = fc.oneof(
  number.map(String),
  fc.constantFrom('0', '-0', '-1', '1e308', '-1e308', '9007199254740993', 'NaN', '1e999', 'Infinity', ''),
  fc.constant('UNAVAILABLE'),
);
const anyValue = fc.oneof(text, awkwardWord, fc.constant('UNAVAILABLE'));

/** One valid observation: a data item the mapping reads, with its subTypes, and hostile values. */
const validObservation = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      category: fc.constant('Events'),
      tag: fc.constant('Execution'),
      subType: fc.constant(undefined),
      value: fc.oneof(stateWord(EXECUTION_WORDS), awkwardWord),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      category: fc.constant('Events'),
      tag: fc.constant('Availability'),
      subType: fc.constant(undefined),
      value: fc.oneof(
        { weight: 4, arbitrary: fc.constant('AVAILABLE') },
        { weight: 1, arbitrary: fc.constant('UNAVAILABLE') },
        { weight: 1, arbitrary: awkwardWord },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      category: fc.constant('Events'),
      tag: fc.constant('ControllerMode'),
      subType: fc.constant(undefined),
      value: fc.oneof(
        stateWord(['AUTOMATIC', 'MANUAL', 'MANUAL_DATA_INPUT', 'SEMI_AUTOMATIC', 'EDIT']),
        awkwardWord,
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      category: fc.constant('Events'),
      tag: fc.constant('Program'),
      subType: fc.constantFrom(undefined, 'MAIN', 'ACTIVE', 'SCHEDULE'),
      value: anyValue,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      category: fc.constant('Events'),
      tag: fc.constant('PartCount'),
      subType: fc.constantFrom(undefined, 'ALL', 'GOOD', 'TARGET', 'REMAINING'),
      value: numeric,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      category: fc.constant('Events'),
      tag: fc.constantFrom('Firmware', 'FirmwareVersion', 'SerialNumber'),
      subType: fc.constantFrom(undefined, 'VERSION'),
      value: anyValue,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      category: fc.constant('Samples'),
      tag: fc.constant('Temperature'),
      subType: fc.constantFrom(undefined, 'ACTUAL', 'TARGET'),
      value: numeric,
    }),
  },
  // A Fault overrides the state: rare, so that most cases show what Execution maps to.
  {
    weight: 1,
    arbitrary: fc.record({
      category: fc.constant('Condition'),
      tag: fc.constantFrom('Normal', 'Normal', 'Warning', 'Fault'),
      subType: fc.constant(undefined),
      value: anyValue,
    }),
  },
);
const validComponent = fc
  .record({
    name: fc.oneof(fc.constantFrom('Device', 'Controller', 'Path', 'Head', 'Chamber'), text, awkwardWord),
    observations: fc.array(
      fc.record({
        observation: validObservation,
        sequence: fc.integer({ min: 1, max: 1_000_000 }),
        timestamp: fc.oneof(isoDate, fc.constantFrom('', 'UNAVAILABLE', 'yesterday')),
        type: fc.constantFrom('SYSTEM', 'TEMPERATURE', 'LOGIC_PROGRAM', undefined),
      }),
      { maxLength: 8 },
    ),
  })
  .map(({ name, observations }) => {
    const categories = ['Events', 'Samples', 'Condition']
      .map((category) => {
        const items = observations
          .filter((o) => o.observation.category === category)
          .map(({ observation: { tag, subType, value }, sequence, timestamp, type }, i) => {
            const attributes = [
              ` dataItemId="${tag.toLowerCase()}${i}"`,
              ` sequence="${sequence}"`,
              ` timestamp="${escapeXml(timestamp)}"`,
              subType ? ` subType="${subType}"` : '',
              category === 'Condition' && type ? ` type="${type}"` : '',
            ].join('');
            return `<${tag}${attributes}>${escapeXml(value)}</${tag}>`;
          });
        return items.length > 0 ? `<${category}>${items.join('')}</${category}>` : '';
      })
      .join('');
    return `<ComponentStream component="${escapeXml(name)}" name="${escapeXml(name)}">${categories}</ComponentStream>`;
  });
/** A header the protocol accepts: integers, and (mostly) sequences an agent would send. */
const validHeader = fc
  .record({
    instanceId: numberIn({ min: 0, int: true }),
    firstSequence: fc.integer({ min: 0, max: 1_000_000 }),
    span: fc.integer({ min: 0, max: 1000 }),
  })
  .map(
    ({ instanceId, firstSequence, span }) =>
      `<Header instanceId="${instanceId}" firstSequence="${firstSequence}" nextSequence="${firstSequence + span}" lastSequence="${firstSequence + span - 1}"/>`,
  );
/** A streams document `parseStreams` accepts, its values what the mapping must cope with. */
const validStreams = fc
  .tuple(validHeader, fc.array(validComponent, { minLength: 1, maxLength: 3 }))
  .map(
    ([head, components]) =>
      `<?xml version="1.0"?><MTConnectStreams>${head}<Streams><DeviceStream name="F370">${components.join('')}</DeviceStream></Streams></MTConnectStreams>`,
  );
const agentAnswer = mostlyValid(
  fc.record({ status: fc.constant(200), body: validStreams }),
  xmlAnswer,
) as fc.Arbitrary<{
  status: number;
  body: string;
}>;

/** MTConnect's own words for Execution, as map.ts reads them (a copy: the property checks it). */
const EXECUTION_STATES: Record<string, MachineSnapshot['state']> = {
  READY: 'idle',
  STOPPED: 'idle',
  PROGRAM_COMPLETED: 'idle',
  ACTIVE: 'printing',
  WAIT: 'printing',
  INTERRUPTED: 'paused',
  FEED_HOLD: 'paused',
  OPTIONAL_STOP: 'paused',
  PROGRAM_STOPPED: 'paused',
  PROGRAM_OPTIONAL_STOP: 'paused',
};

/** The agent's `/current` as the collector reads it: its observations, or undefined when refused. */
function currentObservations(answer: { status: number; body: string }): Observation[] | undefined {
  if (answer.status !== 200) return undefined;
  return mappingSettles('parseStreams', () => parseStreams(answer.body, 'http://fuzzed/current'))
    ?.observations;
}

test('property: an MTConnect poll and history read end in a result or a CollectorError, whatever the agent answers', async () => {
  const reach = new ReachCount();
  await fc.assert(
    fc.asyncProperty(agentAnswer, agentAnswer, async (current, sample) => {
      mtconnect.answers = { '/current': current, '/sample': sample };
      const collector = new StratasysCollector(
        stratasysConnection.parse({ url: `http://127.0.0.1:${mtconnect.port}/` }),
        context(),
      );
      await pollOnce('stratasys-mtconnect', collector);
      await settles('stratasys-mtconnect readHistory', () =>
        collector.readHistory(undefined, 100, AbortSignal.timeout(BUDGET_MS)),
      );
      // The same /current, parsed and mapped here too: what the poll's snapshot state must be.
      const observations = currentObservations(current);
      reach.note(observations !== undefined);
      if (!observations) return;
      const snapshot = mappingSettles('mtconnect toSnapshot', () => mtconnectSnapshot(observations))!;
      assertAccepted('stratasys-mtconnect', snapshot, current.body);
      const r = readingsOf(observations);
      const overridden =
        observations.some((o) => o.category === 'Condition' && o.name === 'Fault') ||
        r.availability === 'UNAVAILABLE' ||
        r.controllerMode === 'MANUAL' ||
        r.controllerMode === 'EDIT';
      if (!overridden) assert.equal(snapshot.state, expectState(EXECUTION_STATES, r.execution));
    }),
    { numRuns: fuzzRuns(300) },
  );
  reach.assertMostlyReached('stratasys-mtconnect /current');
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
