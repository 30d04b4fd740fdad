import { CollectorError } from './collector-error.ts';

/** Deeper than any real machine document (Bambu's AMS tree is 5 levels, Ultimaker's 4). */
export const MAX_JSON_DEPTH = 64;

/**
 * More values than any real machine document holds (a history page of 1,000 jobs is ~50,000):
 * 15 MB of `[{},{},…]` is 5 million values, and `JSON.parse` plus a schema over them holds the
 * event loop for seconds (measured: 2.6–3.8 s per answer) and takes ~300 MB, for every machine
 * sharing the process. Counted in the same linear pass as the depth, before parsing.
 */
export const MAX_JSON_VALUES = 250_000;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

/**
 * The deepest nesting of a JSON text and (roughly, from the separators) how many values it holds,
 * in one linear pass that skips strings. Run before `JSON.parse` so that a document nested 20,000
 * levels deep, or holding millions of tiny values, is refused before anything walks it.
 */
export function jsonShape(text: string): { depth: number; values: number } {
  let depth = 0;
  let deepest = 0;
  let values = 1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === COMMA) values++;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      values++;
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return { depth: deepest, values };
}

/** The deepest nesting of a JSON text (see jsonShape). */
export function jsonDepth(text: string): number {
  return jsonShape(text).depth;
}

/** `JSON.parse` of a machine's text, refused as a protocol error when malformed, too deep or too many. */
export function parseMachineJson(
  text: string,
  where: string,
  maxDepth = MAX_JSON_DEPTH,
  maxValues = MAX_JSON_VALUES,
): unknown {
  const shape = jsonShape(text);
  if (shape.values > maxValues) {
    throw new CollectorError(
      'protocol',
      `${where}: the answer holds more than ${maxValues} values (about ${shape.values}); no machine document does`,
      undefined,
      { reason: 'too_many_values' },
    );
  }
  if (shape.depth > maxDepth) {
    throw new CollectorError(
      'protocol',
      `${where}: the answer is nested deeper than ${maxDepth} levels`,
      undefined,
      { reason: 'too_deep' },
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CollectorError('protocol', `${where}: the answer is not JSON`, error, { reason: 'not_json' });
  }
}
