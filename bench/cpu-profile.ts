// Reads a V8 .cpuprofile (node --cpu-prof; see BENCH_CPU_PROF in changing-fleet.ts) and prints where
// the time went: self time per function and per source file, and inclusive time per source file and
// per area (the undici/node:http client, zod, JSON, SQLite, pino, the sync engine, ...). Frames of a
// bundle are mapped back to src/ through its source map (`<bundle>.map`, which the build writes).
// Usage: node --import tsx bench/cpu-profile.ts <file.cpuprofile> [top=25] [--from=<s>] [--to=<s>]
// (--from/--to: only the samples taken that many seconds after the profile started, e.g. the window).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** A source map's segments per generated line: [column, source, line, column, name?]. */
class SourceMap {
  private readonly lines: number[][][] = [];
  readonly sources: string[];
  readonly names: string[];

  constructor(file: string) {
    const map = JSON.parse(readFileSync(file, 'utf8')) as {
      sources: string[];
      names: string[];
      mappings: string;
    };
    this.sources = map.sources.map((s) => s.replace(/^(\.\.\/)+/, ''));
    this.names = map.names;
    let source = 0;
    let line = 0;
    let column = 0;
    let name = 0;
    for (const text of map.mappings.split(';')) {
      const segments: number[][] = [];
      let generated = 0;
      for (const segment of text.split(',')) {
        if (!segment) continue;
        const values: number[] = [];
        let value = 0;
        let shift = 0;
        for (const char of segment) {
          const digit = BASE64.indexOf(char);
          value += (digit & 31) << shift;
          if (digit & 32) shift += 5;
          else {
            values.push(value & 1 ? -(value >>> 1) : value >>> 1);
            value = 0;
            shift = 0;
          }
        }
        generated += values[0]!;
        if (values.length >= 4) {
          source += values[1]!;
          line += values[2]!;
          column += values[3]!;
          if (values.length >= 5) name += values[4]!;
          segments.push([generated, source, line, column, values.length >= 5 ? name : -1]);
        }
      }
      this.lines.push(segments);
    }
  }

  /** The original file and line of a generated position (both 0-based). */
  lookup(line: number, column: number): { source: string; line: number } | undefined {
    const segments = this.lines[line];
    if (!segments || segments.length === 0) return undefined;
    let found: number[] | undefined;
    for (const segment of segments) {
      if (segment[0]! > column) break;
      found = segment;
    }
    found ??= segments[0]!;
    return { source: this.sources[found[1]!]!, line: found[2]! + 1 };
  }
}

const maps = new Map<string, SourceMap | undefined>();
function mapFor(url: string): SourceMap | undefined {
  if (!maps.has(url)) {
    let map: SourceMap | undefined;
    try {
      const file = `${fileURLToPath(url)}.map`;
      map = existsSync(file) ? new SourceMap(file) : undefined;
    } catch {
      map = undefined;
    }
    maps.set(url, map);
  }
  return maps.get(url);
}

/** Where a frame's code lives: a src/ or node_modules file (through the source map), a node: module, or a V8 builtin. */
function locate(frame: CallFrame): { file: string; line: number } {
  const { url } = frame;
  if (!url)
    return { file: frame.functionName.startsWith('(') ? frame.functionName : '(native/builtin)', line: 0 };
  if (url.startsWith('node:')) return { file: url, line: frame.lineNumber + 1 };
  const map = url.startsWith('file:') ? mapFor(url) : undefined;
  const original = map?.lookup(frame.lineNumber, frame.columnNumber);
  if (original) return { file: original.source, line: original.line };
  const path = url.startsWith('file:') ? fileURLToPath(url) : url;
  const at = path.search(/\/(src|node_modules|bench)\//);
  return { file: at >= 0 ? path.slice(at + 1) : path, line: frame.lineNumber + 1 };
}

/** The pipeline piece a file belongs to. */
function area(file: string, fn: string): string {
  if (file.includes('node_modules/undici') || file.includes('internal/deps/undici')) return 'undici (fetch)';
  if (/^node:(_http|http|https|net|internal\/http|internal\/stream_base|internal\/streams)/.test(file))
    return 'node:http/net/streams';
  if (file.includes('node_modules/zod')) return 'zod';
  if (/node_modules\/(pino|sonic-boom|thread-stream|fast-redact|quick-format)/.test(file)) return 'pino';
  if (file.includes('node_modules/better-sqlite3')) return 'better-sqlite3 (JS side)';
  if (file.startsWith('src/core/store')) return 'store (src/core/store)';
  if (file.startsWith('src/core/sync')) return 'sync engine (src/core/sync)';
  if (file.startsWith('src/core/cloud')) return 'cloud client (src/core/cloud)';
  if (file.startsWith('src/core/collection')) return 'collection (src/core/collection)';
  if (file.startsWith('src/collectors/sdk')) return 'collector SDK (src/collectors/sdk)';
  if (file.startsWith('src/collectors/')) return 'collectors';
  if (file.startsWith('src/core/api')) return 'local API';
  if (file.startsWith('src/')) return `other src (${file.split('/').slice(0, 3).join('/')})`;
  if (file.startsWith('node:')) return 'node: other';
  if (file === '(garbage collector)') return 'GC';
  if (file === '(program)' || file === '(idle)' || file === '(root)') return file;
  if (file === '(native/builtin)') return /^(parse|stringify)$/.test(fn) ? `JSON.${fn}` : 'native/builtin';
  return 'other';
}

const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const [file, topArg] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const fromUs = Number(flag('from') ?? 0) * 1e6;
const toUs = Number(flag('to') ?? Number.POSITIVE_INFINITY) * 1e6;
if (!file) {
  console.error('usage: cpu-profile.ts <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

// Time per sample: the delta to the next sample (the last one gets the mean).
const selfUs = new Map<number, number>();
let total = 0;
let at = 0;
for (let i = 0; i < profile.samples.length; i++) {
  at += profile.timeDeltas[i] ?? 0;
  if (at < fromUs || at > toUs) continue;
  const dt = profile.timeDeltas[i + 1] ?? 0;
  total += dt;
  selfUs.set(profile.samples[i]!, (selfUs.get(profile.samples[i]!) ?? 0) + dt);
}
const idle = [...selfUs.entries()]
  .filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)')
  .reduce((n, [, us]) => n + us, 0);
const busy = total - idle;

const located = new Map<number, { file: string; line: number; fn: string; area: string }>();
for (const node of profile.nodes) {
  const where = locate(node.callFrame);
  const fn = node.callFrame.functionName || '(anonymous)';
  located.set(node.id, { ...where, fn, area: area(where.file, fn) });
}

const pct = (us: number) => `${((us / busy) * 100).toFixed(1).padStart(5)} %`;
const table = (title: string, entries: Map<string, number>, n = top) => {
  console.log(`\n## ${title}`);
  for (const [key, us] of [...entries.entries()].sort((a, b) => b[1] - a[1]).slice(0, n))
    console.log(`${pct(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${key}`);
};

const selfByFunction = new Map<string, number>();
const selfByFile = new Map<string, number>();
const selfByArea = new Map<string, number>();
const inclusiveByFile = new Map<string, number>();
const inclusiveByArea = new Map<string, number>();
const inclusiveByFunction = new Map<string, number>();
for (const [id, us] of selfUs) {
  const here = located.get(id)!;
  if (here.fn === '(idle)') continue;
  const add = (m: Map<string, number>, key: string) => m.set(key, (m.get(key) ?? 0) + us);
  add(selfByFunction, `${here.fn}  ${here.file}:${here.line}`);
  add(selfByFile, here.file);
  add(selfByArea, here.area);
  // Inclusive: once per file, area and function on the sample's stack.
  const files = new Set<string>();
  const areas = new Set<string>();
  const functions = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = located.get(at)!;
    files.add(frame.file);
    areas.add(frame.area);
    functions.add(`${frame.fn}  ${frame.file}:${frame.line}`);
  }
  for (const f of files) add(inclusiveByFile, f);
  for (const a of areas) add(inclusiveByArea, a);
  for (const f of functions) add(inclusiveByFunction, f);
}

console.log(
  `${file}: ${(total / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(1)} s busy (${((busy / total) * 100).toFixed(1)} % of one core); shares below are of the busy time`,
);
table('self time by area', selfByArea, 40);
table('self time by function', selfByFunction);
table('self time by file', selfByFile);
table('inclusive time by area (once per sample)', inclusiveByArea, 40);
table('inclusive time by src/ file', new Map([...inclusiveByFile].filter(([f]) => f.startsWith('src/'))), 40);
table(
  'inclusive time by src/ function',
  new Map([...inclusiveByFunction].filter(([f]) => f.includes(' src/'))),
  top + 15,
);
