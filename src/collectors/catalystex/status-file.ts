/**
 * `status.sts`, the printer's status file: Tcl commands, one per section,
 *
 *     set machineStatus(general) {-modelerStatus {Building} -modelerType {uPrint SE} ...};
 *     set machineStatus(queue) { {-jobName {a} -jobId 12 ...} {-jobName {b} ...} };
 *
 * plus the odd `Key: value` line (`Transferred: 4711`). Parsed in one linear pass (a brace depth
 * counter, no recursion, no backtracking), with caps on what the normalized model keeps; the
 * untouched file is the capture.
 */

export type Fields = Record<string, string>;

export interface StatusFile {
  /** `general`, `currentJob`, `previousJob`, `mariner`, `cassette`…: key → value, braces removed. */
  sections: Record<string, Fields>;
  /** `machineStatus(queue)`: the jobs waiting, in the printer's order. */
  queue: Fields[];
  /** Each section's command as the printer wrote it (the job history capture's content). */
  records: Record<string, string>;
  /** `Key: value` lines. */
  extras: Fields;
  /** Commands that were neither (kept for the log, not parsed further). */
  unknownCommands: number;
}

/** Caps on the normalized model (the raw file keeps everything). */
export const LIMITS = { keysPerSection: 500, queueJobs: 1000, valueChars: 4096, sections: 64 };

const SECTION = /^machineStatus\(([A-Za-z0-9_]{1,64})\)$/;
const KEY = /^[A-Za-z0-9_.]{1,64}$/;

interface Word {
  start: number;
  end: number;
}

/**
 * Splits `text[from, to)` into commands of words. Braces nest (a counter), quotes hold a word
 * together, a backslash escapes one character; a command ends at `;` or a line break outside
 * braces. Unbalanced braces end at the end of the text.
 */
function commands(
  text: string,
  from: number,
  to: number,
  breaks: boolean,
  maxWords: number,
  visit: (command: { start: number; end: number; words: Word[] }) => void,
): void {
  let words: Word[] = [];
  let commandStart = from;
  let i = from;
  const endCommand = (at: number) => {
    if (words.length > 0) visit({ start: commandStart, end: at, words });
    words = [];
  };
  while (i < to) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0d || (!breaks && (c === 0x0a || c === 0x3b))) {
      i++;
      continue;
    }
    if (breaks && (c === 0x0a || c === 0x3b)) {
      endCommand(i);
      i++;
      commandStart = i;
      continue;
    }
    const start = i;
    if (c === 0x7b) {
      // { … } with nesting
      let depth = 0;
      while (i < to) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x7b) depth++;
        else if (d === 0x7d && --depth === 0) {
          i++;
          break;
        }
        i++;
      }
    } else if (c === 0x22) {
      i++;
      while (i < to && text.charCodeAt(i) !== 0x22) i += text.charCodeAt(i) === 0x5c ? 2 : 1;
      i++;
    } else {
      while (i < to) {
        const d = text.charCodeAt(i);
        if (d === 0x20 || d === 0x09 || d === 0x0d || d === 0x0a || d === 0x3b) break;
        i += d === 0x5c ? 2 : 1;
      }
    }
    // Words past the cap are scanned over (to find the command's end) but not kept.
    if (words.length < maxWords) words.push({ start, end: Math.min(i, to) });
  }
  endCommand(to);
}

/** The words of `text[w)`'s inside, as one list. */
function listWords(text: string, w: Word, maxWords: number): Word[] {
  const body = bodyOf(text, w);
  let words: Word[] = [];
  commands(text, body.start, body.end, false, maxWords, (c) => {
    words = c.words;
  });
  return words;
}

/** A word's value: outer braces or quotes removed, capped. */
function wordValue(text: string, w: Word): string {
  let { start, end } = w;
  const first = text.charCodeAt(start);
  const last = text.charCodeAt(end - 1);
  if (end - start >= 2 && ((first === 0x7b && last === 0x7d) || (first === 0x22 && last === 0x22))) {
    start++;
    end--;
  } else if (first === 0x7b || first === 0x22) start++; // unbalanced: cut off at the end
  return text.slice(start, Math.min(end, start + LIMITS.valueChars)).trim();
}

/** `-key value -key {value}` pairs. */
function pairs(text: string, w: Word): Fields {
  const fields: Fields = Object.create(null);
  const words = listWords(text, w, LIMITS.keysPerSection * 2 + 2);
  let kept = 0;
  for (let i = 0; i < words.length && kept < LIMITS.keysPerSection; ) {
    const key = text.slice(words[i]!.start, Math.min(words[i]!.end, words[i]!.start + 66));
    if (key.startsWith('-') && KEY.test(key.slice(1)) && i + 1 < words.length) {
      fields[key.slice(1)] = wordValue(text, words[i + 1]!);
      kept++;
      i += 2;
    } else i++;
  }
  return fields;
}

/** The inside of a braced word. */
function bodyOf(text: string, w: Word): Word {
  const braced = text.charCodeAt(w.start) === 0x7b;
  const closed = braced && w.end - w.start >= 2 && text.charCodeAt(w.end - 1) === 0x7d;
  return { start: w.start + (braced ? 1 : 0), end: w.end - (closed ? 1 : 0) };
}

/** The `n`th word of a command, its first 80 characters (enough for a section name or a key). */
function headOf(text: string, words: Word[], n: number): string {
  const w = words[n];
  return w ? text.slice(w.start, Math.min(w.end, w.start + 80)) : '';
}

export function parseStatusFile(text: string): StatusFile {
  const file: StatusFile = {
    sections: Object.create(null),
    queue: [],
    records: Object.create(null),
    extras: Object.create(null),
    unknownCommands: 0,
  };
  let sections = 0;
  commands(text, 0, text.length, true, 16, (command) => {
    const words = command.words;
    const at = headOf(text, words, 0) === 'set' ? 1 : 0;
    const section = SECTION.exec(headOf(text, words, at))?.[1];
    const body = words[at + 1];
    if (section && body && sections < LIMITS.sections) {
      sections++;
      file.records[section] = text.slice(command.start, command.end).trim();
      if (section === 'queue') {
        file.queue = listWords(text, body, LIMITS.queueJobs).map((job) => pairs(text, job));
      } else {
        file.sections[section] = pairs(text, body);
      }
      return;
    }
    const key = headOf(text, words, 0);
    if (
      key.endsWith(':') &&
      KEY.test(key.slice(0, -1)) &&
      Object.keys(file.extras).length < LIMITS.sections
    ) {
      const last = words[words.length - 1]!;
      file.extras[key.slice(0, -1)] = text
        .slice(
          words[1]?.start ?? last.end,
          Math.min(last.end, (words[1]?.start ?? last.end) + LIMITS.valueChars),
        )
        .trim();
      return;
    }
    file.unknownCommands++;
  });
  return file;
}

/** A whole number from the file, or undefined (`12`, `12.0`; nothing else). */
export function numberOf(value: string | undefined): number | undefined {
  if (value === undefined || !/^-?\d{1,15}(\.\d{1,9})?$/.test(value.trim())) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}
