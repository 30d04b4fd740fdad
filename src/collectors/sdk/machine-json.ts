import { CollectorError } from './collector-error.ts';

/** Deeper than any real machine document (Bambu's AMS tree is 5 levels, Ultimaker's 4). */
export const MAX_JSON_DEPTH = 64;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The deepest nesting of a JSON text, in one linear pass that skips strings. Run before
 * `JSON.parse` so that a document nested 20,000 levels deep is refused before anything recursive
 * (a schema, a merge, a `structuredClone`) walks it.
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return deepest;
}

/** `JSON.parse` of a machine's text, refused as a protocol error when malformed or too deep. */
export function parseMachineJson(text: string, where: string, maxDepth = MAX_JSON_DEPTH): unknown {
  if (jsonDepth(text) > maxDepth) {
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
