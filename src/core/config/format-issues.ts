import type { z } from 'zod';

/**
 * Turns zod issues into one line each that names the field path and what is allowed, in words an
 * operator can act on (e.g. `intervals.health: expected a number, got "60s"`).
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], input: unknown): string[] {
  return issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(top level)';
    return `${path}: ${describeIssue(issue, valueAt(input, issue.path))}`;
  });
}

function describeIssue(issue: z.core.$ZodIssue, given: unknown): string {
  const value = withoutPassword(given);
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove or correct ${issue.keys.length > 1 ? 'them' : 'it'} (see docs/configuration.md)`;
    case 'invalid_type':
      if (value === undefined) return `required (expected ${issue.expected})`;
      return `expected ${issue.expected}, got ${JSON.stringify(value)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(value)}`;
    case 'too_small':
      return `must be at least ${String(issue.minimum)}, got ${JSON.stringify(value)}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}, got ${JSON.stringify(value)}`;
    default:
      return value === undefined ? issue.message : `${issue.message}, got ${JSON.stringify(value)}`;
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/**
 * A URL given with a password in it (refused for that very reason: cloud.url, cloud.proxy.url) is
 * shown with the password masked: the error goes to the terminal, the log and the UI.
 */
function withoutPassword(value: unknown): unknown {
  if (typeof value !== 'string' || !URL.canParse(value)) return value;
  const url = new URL(value);
  if (url.password === '') return value;
  url.password = '***';
  return url.toString();
}
