import type { CloudLogLevel } from '../../../shared/model/capture-types.ts';
import type { JobEvent } from './format.ts';

/**
 * Job markers in log lines, found in one pass over the line's words: machine text is hostile until
 * proven otherwise, and a regular expression with a lazy or greedy run between two words costs a
 * quadratic time on a long line of repeated words (an 80 KB line once froze the agent for 16 s).
 * The rules are those of the regular expressions they replace, kept in the comments.
 */

/** `build`, `job` or `print` as a whole word (case-insensitive). */
const SUBJECTS = new Set(['build', 'job', 'print']);
const STARTS = new Set(['started', 'begins', 'start']);
const FINISHES = new Set(['finished', 'completed', 'done']);
const ABORTS = new Set(['aborted', 'cancelled', 'canceled']);
const OPENING_QUOTES = '"\'“';
const CLOSING_QUOTES = '"\'”';
/** A job name is kept in the machine's state: a name longer than this is cut. */
export const MAX_JOB_NAME = 256;
/** `layer 12 of 40`, `Layer 12/40`: linear (one literal word, then bounded runs). */
const LAYER = /\blayer\s+(\d+)\s*(?:of|\/)\s*(\d+)/i;
const WORD = /\w+/g;
/** A literal search (linear): a line without these words holds no job start or end. */
const SUBJECT_HINT = /build|job|print/i;
const SPACE = /\s/;
const LINE_BREAK = /[\n\r\u2028\u2029]/;

interface Word {
  text: string;
  start: number;
  end: number;
}

/** The job markers shared by the log formats Echo reads (a build or job that starts, layers, ends). */
export function findEvent(message: string): JobEvent | undefined {
  // Most lines name no build, job or print: only a layer count can be in them.
  if (!SUBJECT_HINT.test(message)) {
    return layerEvent(message);
  }
  const words = wordsOf(message);
  if (words.length === 0) return undefined;
  const started = findStarted(message, words);
  if (started) return started;
  if (findEnd(message, words, isAbort)) return { kind: 'job_aborted' };
  if (findEnd(message, words, (w) => (w[0]!.text === 'failed' ? 1 : 0))) return { kind: 'job_failed' };
  if (findEnd(message, words, (w) => (FINISHES.has(w[0]!.text) ? 1 : 0))) return { kind: 'job_finished' };
  return layerEvent(message);
}

/**
 * `layer 12 of 40`; a count past 2^53 (a garbled line, a hostile one) is no count: it would read
 * as Infinity or lose digits, and a progress of Infinity/Infinity is no number.
 */
function layerEvent(message: string): JobEvent | undefined {
  const layer = LAYER.exec(message);
  if (!layer) return undefined;
  const [at, of] = [layerCount(layer[1]!), layerCount(layer[2]!)];
  return at !== undefined && of !== undefined ? { kind: 'layer', layer: at, layers: of } : undefined;
}

function layerCount(digits: string): number | undefined {
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : undefined;
}

function wordsOf(message: string): Word[] {
  const words: Word[] = [];
  WORD.lastIndex = 0;
  for (let m = WORD.exec(message); m; m = WORD.exec(message)) {
    words.push({ text: m[0].toLowerCase(), start: m.index, end: m.index + m[0].length });
  }
  return words;
}

/**
 * `\b(build|job|print)\b\s*[:=]?\s*["'“]?([^"'”]+?)["'”]?\s+(started|begins|start)\b`, then
 * optionally `.*?\b(\d+)\s+layers\b`: the subject, an optional `:`/`=` and opening quote, the
 * shortest name without quotes, an optional closing quote, white space and the start word.
 */
function findStarted(message: string, words: readonly Word[]): JobEvent | undefined {
  const starts = startWordTable(message, words);
  if (starts[0] === words.length) return undefined;
  const quoteAfter = nextQuoteTable(message);
  let next = 0; // the first word after the name's start: moves forward only, so this is linear
  for (let i = 0; i < words.length; i++) {
    if (!SUBJECTS.has(words[i]!.text)) continue;
    let at = skipSpace(message, words[i]!.end);
    if (message[at] === ':' || message[at] === '=') at = skipSpace(message, at + 1);
    if (at < message.length && OPENING_QUOTES.includes(message[at]!)) at++;
    const nameStart = at;
    while (next < words.length && words[next]!.start <= nameStart) next++;
    // The first start word with white space before it that leaves a name of one character or
    // more (at most the second one: the first may sit right after the subject).
    for (let s = starts[next]!; s < words.length; s = starts[s + 1]!) {
      const word = words[s]!;
      let gap = word.start;
      while (gap > nameStart && SPACE.test(message[gap - 1]!)) gap--;
      // The name ends where the white space (or a closing quote just before it) begins.
      let nameEnd = gap > nameStart && CLOSING_QUOTES.includes(message[gap - 1]!) ? gap - 1 : gap;
      if (nameEnd <= nameStart) nameEnd = nameStart + 1;
      if (nameEnd >= word.start) continue;
      if (quoteAfter[nameStart]! < nameEnd) break; // a quote inside the name: try the next subject
      const job = message.slice(nameStart, nameEnd).trim().slice(0, MAX_JOB_NAME);
      const layers = layersAfter(message, words, s + 1);
      return { kind: 'job_started', job, ...(layers !== undefined ? { layers } : {}) };
    }
    if (starts[next] === words.length) return undefined; // no start word left for any subject
  }
  return undefined;
}

/**
 * For each word index, the index of the first start word at or after it that has white space
 * before it (`words.length` when none): one backward pass.
 */
function startWordTable(message: string, words: readonly Word[]): Int32Array {
  const table = new Int32Array(words.length + 1);
  table[words.length] = words.length;
  for (let i = words.length - 1; i >= 0; i--) {
    const word = words[i]!;
    const spaced = word.start > 0 && SPACE.test(message[word.start - 1]!);
    table[i] = STARTS.has(word.text) && spaced ? i : table[i + 1]!;
  }
  return table;
}

/** For each position, where the next `"`, `'` or `”` is (the length when none): one backward pass. */
function nextQuoteTable(message: string): Int32Array {
  const table = new Int32Array(message.length + 1);
  table[message.length] = message.length;
  for (let i = message.length - 1; i >= 0; i--) {
    table[i] = CLOSING_QUOTES.includes(message[i]!) ? i : table[i + 1]!;
  }
  return table;
}

/** `.*?\b(\d+)\s+layers\b` after the start word, on the same line. */
function layersAfter(message: string, words: readonly Word[], from: number): number | undefined {
  for (let i = from; i + 1 < words.length; i++) {
    const count = words[i]!;
    const after = words[i + 1]!;
    if (LINE_BREAK.test(message.slice(words[i - 1]!.end, count.start))) return undefined;
    if (after.text !== 'layers' || !/^\d+$/.test(count.text)) continue;
    const between = message.slice(count.end, after.start);
    if (between.length > 0 && [...between].every((c) => SPACE.test(c))) return layerCount(count.text);
  }
  return undefined;
}

/**
 * `\b(build|job|print)\b.*\b(<end words>)\b`: a subject, then later on the same line (`.` stops
 * at a line break) an end marker. `marker` says how many words the marker at a position spans (0:
 * none there).
 */
function findEnd(
  message: string,
  words: readonly Word[],
  marker: (rest: readonly Word[], message: string) => number,
): boolean {
  let subject = false;
  for (let i = 0; i < words.length; i++) {
    if (i > 0 && LINE_BREAK.test(message.slice(words[i - 1]!.end, words[i]!.start))) subject = false;
    if (subject && marker(words.slice(i, i + 4), message) > 0) return true;
    if (SUBJECTS.has(words[i]!.text)) subject = true;
  }
  return false;
}

/** `aborted|cancelled|canceled|stopped by (the )?operator`, the phrase with single spaces. */
function isAbort(rest: readonly Word[], message: string): number {
  const first = rest[0]!;
  if (ABORTS.has(first.text)) return 1;
  if (first.text !== 'stopped') return 0;
  const phrase = rest.map((w) => w.text);
  const spaced = (a: number, b: number) => message.slice(rest[a]!.end, rest[b]!.start) === ' ';
  if (phrase[1] !== 'by' || !spaced(0, 1)) return 0;
  if (phrase[2] === 'operator' && spaced(1, 2)) return 3;
  if (phrase[2] === 'the' && phrase[3] === 'operator' && spaced(1, 2) && spaced(2, 3)) return 4;
  return 0;
}

function skipSpace(message: string, from: number): number {
  let at = from;
  while (at < message.length && SPACE.test(message[at]!)) at++;
  return at;
}

/** Vendor severity words → the cloud's log levels (unknown words are INFO). */
export function levelOf(severity: string): CloudLogLevel {
  const word = severity.toLowerCase();
  if (/^(crit|critical|fatal|emergency|alarm)/.test(word)) return 'CRITICAL';
  if (/^(err|error|fail|failure)/.test(word)) return 'ERROR';
  if (/^(warn|warning|caution)/.test(word)) return 'WARN';
  if (/^(debug|trace|verbose)/.test(word)) return 'DEBUG';
  return 'INFO';
}
