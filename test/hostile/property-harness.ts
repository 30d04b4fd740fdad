/**
 * What the property tests in this folder (`properties-*.test.ts`) share: what a poll or a mapping
 * may end in (a value the scheduler accepts or a `CollectorError`, within a time budget), the
 * collector context they run in, the generators of what machines send (from right to very wrong),
 * and an HTTP(S) machine that answers what the current case says.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import type { Collector, CollectorContext, PollResult } from '../../src/collectors/sdk/collector.ts';
import { CollectorError } from '../../src/collectors/sdk/collector-error.ts';
import { parseJsonReply } from '../../src/collectors/sdk/http-json.ts';
import { type MachineSnapshot, machineSnapshot } from '../../src/collectors/sdk/machine-snapshot.ts';
import { ResourceScope } from '../../src/collectors/sdk/shared-resources.ts';

/** Per case: a linear parser takes milliseconds on these inputs (at most 1 MB); a quadratic one, minutes. */
export const BUDGET_MS = 1000;
export const MB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// What a poll may end in.
// ---------------------------------------------------------------------------------------------

/**
 * Pools shared by every collector of a test file (each file runs in its own process), closed by
 * the file's `after` hook like a collection's.
 */
export const shared = new ResourceScope();

export function context(): CollectorContext {
  const kv = new Map<string, string>();
  const quiet = () => undefined;
  return {
    machine: 'fuzzed',
    logger: { debug: quiet, info: quiet, warn: quiet, error: quiet },
    credentials: { username: 'operator', password: 'secret' },
    state: { get: (k) => kv.get(k), set: (k, v) => void kv.set(k, v) },
    dataDir: '/nonexistent',
    pkiDir: '/nonexistent',
    notify: quiet,
    limits: { maxMessageBytes: 16 * MB },
    shared,
    secrets: { get: () => undefined, set: () => {}, delete: () => {} },
  };
}

export function describe(error: unknown): string {
  return error instanceof Error
    ? `${error.constructor.name}: ${error.message}\n${error.stack}`
    : String(error);
}

/**
 * Runs `step` (a poll, a history read, a parse) and checks how it ended: a value, or a
 * `CollectorError`, within the budget. Returns the value, or undefined after a `CollectorError`.
 */
export async function settles<T>(what: string, step: () => Promise<T> | T): Promise<T | undefined> {
  const started = performance.now();
  let value: T | undefined;
  try {
    value = await step();
  } catch (error) {
    if (!(error instanceof CollectorError)) {
      assert.fail(`${what} threw something other than a CollectorError: ${describe(error)}`);
    }
  }
  const took = performance.now() - started;
  assert.ok(took < BUDGET_MS, `${what} took ${took.toFixed(0)} ms`);
  return value;
}

/** A poll's snapshot must be one the scheduler accepts (`machineSnapshot.parse` in the runner). */
export function assertAcceptedSnapshot(what: string, result: PollResult | undefined): void {
  if (!result) return;
  const parsed = machineSnapshot.safeParse(result.snapshot);
  assert.ok(
    parsed.success,
    `${what} returned a snapshot the scheduler refuses with a ZodError: ${JSON.stringify(parsed.error?.issues.slice(0, 3))}\nsnapshot: ${JSON.stringify(result.snapshot).slice(0, 500)}`,
  );
}

export async function pollOnce(what: string, collector: Collector): Promise<void> {
  const signal = AbortSignal.timeout(BUDGET_MS);
  const connected = await settles(`${what} connect`, async () => {
    await collector.connect(signal);
    return true;
  });
  if (connected) assertAcceptedSnapshot(what, await settles(`${what} poll`, () => collector.poll(signal)));
  await collector.close();
}

// ---------------------------------------------------------------------------------------------
// What a mapping function may end in (the collectors of issue 15, fed through their boundary).
// ---------------------------------------------------------------------------------------------

/**
 * A guard against a parser that hangs (quadratic or worse on the generated inputs), not a speed
 * target: these payloads take well under 10 ms; the margin covers a GC pause on a loaded 2-core machine.
 */
export const MAPPING_BUDGET_MS = 5000;

/** Runs `step`: a value, or undefined after a `CollectorError`; anything else fails the property. */
export function mappingSettles<T>(what: string, step: () => T): T | undefined {
  const started = performance.now();
  let value: T | undefined;
  try {
    value = step();
  } catch (error) {
    if (!(error instanceof CollectorError))
      assert.fail(`${what} threw something other than a CollectorError: ${describe(error)}`);
  }
  const took = performance.now() - started;
  assert.ok(took < MAPPING_BUDGET_MS, `${what} took ${took.toFixed(0)} ms`);
  return value;
}

export function assertAccepted(what: string, snapshot: MachineSnapshot, input: unknown): void {
  const parsed = machineSnapshot.safeParse(snapshot);
  assert.ok(
    parsed.success,
    `${what} returned a snapshot the scheduler refuses: ${JSON.stringify(parsed.error?.issues.slice(0, 3))}\nsnapshot: ${JSON.stringify(snapshot).slice(0, 500)}\ninput: ${JSON.stringify(input).slice(0, 500)}`,
  );
}

/** A vendor's answer through its boundary (the same JSON text and schema the collector uses). */
export function boundary<T>(
  what: string,
  document: unknown,
  schema: import('zod').ZodType<T>,
): T | undefined {
  const text = JSON.stringify(document) ?? 'null';
  return mappingSettles(`${what} boundary`, () => parseJsonReply(`http://fuzzed/${what}`, 200, text, schema));
}

// ---------------------------------------------------------------------------------------------
// Generators: what machines send, from right to very wrong.
// ---------------------------------------------------------------------------------------------

export const junk = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 16 }),
  fc.constant([]),
  fc.constant({}),
  fc.constantFrom(1e308, -1e308, -0, 5e-324, 2 ** 53 + 2, -(2 ** 53) - 2),
);

/** A document with every field (each maybe wrong), or with some left out. */
export function doc<T extends Record<string, fc.Arbitrary<unknown>>>(fields: T): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.record(fields) },
    { weight: 1, arbitrary: fc.record(fields, { requiredKeys: [] }) },
  );
}

/**
 * Mostly the right thing, sometimes anything: rarely enough per field that a whole document is
 * often right but for one or two values, so the mapping behind the schema gets its share of cases.
 */
export function maybe<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 30, arbitrary: arb }, { weight: 1, arbitrary: junk });
}

export const number = fc.oneof(
  fc.integer({ min: -1000, max: 100_000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, 1, 0.5, 1e308, -1e308, 2 ** 53 + 2),
);
export const text = fc.oneof(fc.string({ maxLength: 24 }), fc.string({ unit: 'binary', maxLength: 24 }));
/** A valid ISO 8601 UTC time (`Date#toISOString`), anywhere in what `Date` holds. */
export const isoDate = fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
const TIME_WORDS = [
  '2024-05-02T10:00:00Z',
  'yesterday',
  '',
  '2024-13-45T99:99:99Z',
  '+275760-09-13T00:00:00.000Z',
] as const;
export const time = fc.oneof(isoDate, fc.constantFrom(...TIME_WORDS), text);

/** `time`, and dates at the edges of what `Date` holds (years before 0 and after 9999). */
export const wideTime = fc.oneof(
  isoDate,
  fc.constantFrom(...TIME_WORDS, '-271821-04-20T00:00:00.000Z', '+010000-01-01T00:00:00.000Z'),
  text,
);

export const JSON_FRAGMENTS = [
  '{',
  '}',
  '[',
  ']',
  '"',
  ':',
  ',',
  '1',
  '-',
  'e9',
  '1e999',
  'true',
  'null',
  '"a"',
  '\\',
  ' ',
  '"__proto__"',
  '"status"',
  '\u0000',
  '\ud800',
];
export const jsonFragments = fc
  .array(fc.constantFrom(...JSON_FRAGMENTS), { maxLength: 60 })
  .map((parts) => parts.join(''));

/** A JSON machine's answer: its document (right or wrong), hidden under `__proto__`, or not JSON. */
export function jsonAnswer(document: fc.Arbitrary<unknown>): fc.Arbitrary<{ status: number; body: string }> {
  const body = fc.oneof(
    { weight: 12, arbitrary: document.map((d) => JSON.stringify(d) ?? 'null') },
    { weight: 1, arbitrary: document.map((d) => `{"__proto__": ${JSON.stringify(d) ?? 'null'}}`) },
    { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: jsonFragments },
    { weight: 1, arbitrary: text },
  );
  const status = fc.oneof(
    { weight: 20, arbitrary: fc.constant(200) },
    { weight: 1, arbitrary: fc.constantFrom(204, 301, 401, 403, 404, 500, 503) },
  );
  return fc.record({ status, body });
}

/** A state word: one the vendor documents (any case), or anything. */
export function stateWord(known: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...known) },
    { weight: 1, arbitrary: fc.constantFrom(...known).map((w) => w.toLowerCase()) },
    { weight: 1, arbitrary: fc.constantFrom(...known).map((w) => w.toUpperCase()) },
    { weight: 2, arbitrary: text },
    {
      weight: 1,
      arbitrary: fc.constantFrom('', ' ', 'constructor', '__proto__', 'toString', 'hasOwnProperty'),
    },
  );
}

/**
 * Words a machine may send where Echo looks a word up in a table (a state, a status, a result):
 * the names every object inherits (a plain `TABLE[word]` finds them), empty and blank words,
 * `UNKNOWN`, the names of JavaScript's non-values, a number too big for a double, a 10 kB word,
 * and one with a NUL and right-to-left marks. Random strings reach these only by luck (the HP MJF
 * job state "constructor" took 978 runs); mixed into a generator with `fc.oneof(words, awkwardWord)`,
 * every run meets them.
 */
export const AWKWARD_WORDS: readonly string[] = [
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
  '',
  ' ',
  'UNKNOWN',
  'null',
  'undefined',
  'NaN',
  '1e999',
  'x'.repeat(10 * 1024),
  'idle\u0000\u202eelbatni\u202c\u200f',
];
export const awkwardWord: fc.Arbitrary<string> = fc.constantFrom(...AWKWARD_WORDS);

/** `AWKWARD_WORDS` that fit a schema's `max(length)`: awkward for the mapping, yet accepted. */
export function awkwardWordUpTo(maxLength: number): fc.Arbitrary<string> {
  return fc.constantFrom(...AWKWARD_WORDS.filter((w) => w.length <= maxLength));
}

/** Any string of at most `maxLength` characters, awkward words among them (for a bounded field). */
export function textUpTo(maxLength: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ maxLength: Math.min(24, maxLength) }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: Math.min(24, maxLength) }) },
    { weight: 1, arbitrary: awkwardWordUpTo(maxLength) },
  );
}

/**
 * A number a schema accepts (`min`/`max` inclusive, `int` for an integer field), with its edges
 * (the bounds, 0, -0, the smallest step above `min`) drawn often: the values a mapping divides by,
 * compares or rounds. Without bounds it reaches ±1e308 and the largest safe integer.
 */
export function numberIn(options: { min?: number; max?: number; int?: boolean } = {}): fc.Arbitrary<number> {
  const min = options.min ?? (options.int ? Number.MIN_SAFE_INTEGER : -1e308);
  const max = options.max ?? (options.int ? Number.MAX_SAFE_INTEGER : 1e308);
  const edges = [min, max, 0, -0, 1, -1, 0.5, 100, 2 ** 31, 5e-324, min + 1]
    .filter((n) => n >= min && n <= max)
    .filter((n) => !options.int || Number.isSafeInteger(n));
  const any = options.int
    ? fc.oneof(
        fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31) }),
        fc.maxSafeInteger(),
      )
    : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  return fc
    .oneof({ weight: 2, arbitrary: any }, { weight: 1, arbitrary: fc.constantFrom(...edges) })
    .filter((n) => n >= min && n <= max);
}

/**
 * Mostly a document the collector's schema accepts (4 in 5), sometimes a wrong one: the mapping
 * behind the schema gets most of the cases, and the refusal path stays covered.
 */
export function mostlyValid<T>(
  valid: fc.Arbitrary<T>,
  invalid: fc.Arbitrary<unknown>,
): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: invalid });
}

/**
 * Counts, across a property's run, the cases whose input the collector's schema accepted (and so
 * reached the mapping) and those it refused. `assertMostlyReached` fails when fewer than half
 * reached the mapping: the generator then tests the schema, not the mapping behind it, and a
 * mapping bug is found only by luck.
 */
export class ReachCount {
  accepted = 0;
  refused = 0;

  note(reached: boolean): void {
    if (reached) this.accepted++;
    else this.refused++;
  }

  assertMostlyReached(what: string, atLeast = 0.5): void {
    const total = this.accepted + this.refused;
    assert.ok(total > 0, `${what}: no case was counted`);
    assert.ok(
      this.accepted / total >= atLeast,
      `${what}: only ${this.accepted} of ${total} generated documents passed the schema and reached the mapping`,
    );
    // Some refused too: the refusal path is part of what the property covers.
    assert.ok(this.refused > 0, `${what}: no generated document was refused (${total} cases)`);
  }
}

/** The state a known-word table gives a word; `unknown` for a word it does not list. */
export function expectState(
  table: Record<string, MachineSnapshot['state']>,
  key: string | undefined,
): MachineSnapshot['state'] {
  return key !== undefined && Object.hasOwn(table, key) ? table[key]! : 'unknown';
}

/** A machine-sized input: fragments repeated to `bytes`. */
export function repeatedTo(bytes: number, fragments: readonly string[]): fc.Arbitrary<string> {
  return fc
    .array(fc.constantFrom(...fragments), { minLength: 1, maxLength: 8 })
    .map((parts) => parts.join(''))
    .map((unit) => unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes));
}

// ---------------------------------------------------------------------------------------------
// Machines on real sockets, answering what the current case says.
// ---------------------------------------------------------------------------------------------

export type Answers = Record<string, { status: number; body: string }>;

export class JsonMachine {
  answers: Answers = {};
  readonly port: number;
  private constructor(private readonly server: import('node:http').Server) {
    this.port = (server.address() as AddressInfo).port;
  }

  static async start(tls?: { cert: string; key: string }): Promise<JsonMachine> {
    let machine: JsonMachine | undefined;
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      const path = (req.url ?? '/').split('?')[0]!;
      const answer = machine!.answers[path] ?? { status: 404, body: '{}' };
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    };
    const server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    machine = new JsonMachine(server);
    return machine;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
