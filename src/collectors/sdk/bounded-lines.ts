/** What follows a line Echo cut, in the text it passes on. */
export function cutMarker(maxLineBytes: number): string {
  return ` … [cut by Echo: the line is longer than ${maxLineBytes} bytes]`;
}

export interface BoundedLines {
  /** Complete lines (each ending in a newline), every one at most `maxLineBytes` plus the marker. */
  text: string;
  /** Bytes of the input consumed (the caller's new offset is its old one plus this). */
  bytes: number;
  /** The input ended inside a line that was cut: what follows, up to its newline, is skipped. */
  skipping: boolean;
  /** Lines cut in this piece. */
  cut: number;
}

/**
 * Splits bytes read from a log file into complete lines, with no line longer than `maxLineBytes`:
 * a longer one is cut, marked and passed on, and the rest of it skipped up to its newline, even
 * across reads (`skipping`), so one endless line never blocks its file nor fills the agent's
 * memory. A line still being written (no newline yet, shorter than the cap) is left for the next
 * read. One pass over the bytes: linear in the input whatever it holds.
 */
export function boundedLines(
  data: Buffer,
  encoding: BufferEncoding,
  maxLineBytes: number,
  skipping: boolean,
): BoundedLines {
  const wide = encoding === 'utf16le';
  const step = wide ? 2 : 1;
  const whole = data.length - (wide ? data.length % 2 : 0);
  const parts: string[] = [];
  let position = 0;
  let cut = 0;
  if (skipping) {
    const newline = nextNewline(data, 0, wide);
    if (newline < 0) return { text: '', bytes: whole, skipping: true, cut };
    position = newline + step;
  }
  // Lines within the cap are decoded together, a run at a time (one string per read, as a
  // plain read would), so bounding costs nothing on an ordinary log.
  let run = position;
  const flushRun = (to: number) => {
    if (to > run) parts.push(data.subarray(run, to).toString(encoding));
  };
  while (position < data.length) {
    const newline = nextNewline(data, position, wide);
    const length = (newline < 0 ? data.length : newline) - position;
    // A line without its newline that already fills the cap can only get longer: cut it now.
    if (length > maxLineBytes || (newline < 0 && length >= maxLineBytes)) {
      flushRun(position);
      const keep = charBoundary(data, position, position + maxLineBytes, wide);
      parts.push(`${data.subarray(position, keep).toString(encoding)}${cutMarker(maxLineBytes)}\n`);
      cut++;
      if (newline < 0) return { text: parts.join(''), bytes: whole, skipping: true, cut };
      run = newline + step;
    } else if (newline < 0) {
      break; // a line still being written: wait for its newline
    }
    position = newline + step;
  }
  flushRun(position);
  return { text: parts.join(''), bytes: position, skipping: false, cut };
}

function nextNewline(data: Buffer, from: number, wide: boolean): number {
  if (!wide) return data.indexOf(0x0a, from);
  for (let i = from + ((from % 2) as number); i + 1 < data.length; i += 2) {
    if (data[i] === 0x0a && data[i + 1] === 0) return i;
  }
  return -1;
}

/** The last character boundary at or before `end` (never inside a UTF-8 sequence or a UTF-16 unit). */
function charBoundary(data: Buffer, start: number, end: number, wide: boolean): number {
  if (wide) return end - ((end - start) % 2);
  let at = end;
  while (at > start && (data[at]! & 0xc0) === 0x80) at--;
  return at;
}
