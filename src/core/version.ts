import { readFileSync } from 'node:fs';

/** The agent's version, from package.json (sent to /ecco/ and /logs/). */
export const ECHO_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
