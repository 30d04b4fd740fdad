import { BoundedEventParser } from '../src/shared/http/bounded-event-parser.ts';
import { SCALE } from './shared.ts';

export interface SseFigure {
  lines: number;
  /** ms to parse `lines` short lines ended by a lone CR (the case that was quadratic). */
  crMs: number;
  /** ms for the same lines ended by LF: the baseline. */
  lfMs: number;
  /** ms for twice as many CR lines: linear when about twice `crMs`. */
  doubleCrMs: number;
}

function parse(text: string): number {
  const started = performance.now();
  const parser = new BoundedEventParser(64 * 1024 * 1024);
  const bytes = new TextEncoder().encode(text);
  for (let at = 0; at < bytes.length; at += 16 * 1024) parser.feed(bytes.subarray(at, at + 16 * 1024));
  return performance.now() - started;
}

/**
 * The events-stream parser fed a flood of lone-CR line ends (eventsource-parser searches ahead
 * from each CR; Echo turns CRs into LFs first): time against the same stream with LF ends, and
 * against twice the flood (linear: 2×).
 */
export function benchSse(): SseFigure {
  const lines = Math.max(10_000, Math.round(300_000 * SCALE));
  parse('data:warm\n\n'.repeat(1000));
  const crMs = parse(`${'data:a\r'.repeat(lines)}\r`);
  const lfMs = parse(`${'data:a\n'.repeat(lines)}\n`);
  const doubleCrMs = parse(`${'data:a\r'.repeat(lines * 2)}\r`);
  return { lines, crMs, lfMs, doubleCrMs };
}
