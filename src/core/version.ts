import { readFileSync } from 'node:fs';

// The bundle (scripts/build.ts) defines this; from sources it is read from package.json.
declare const __ECHO_VERSION__: string | undefined;

function fromPackageJson(): string {
  return (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
}

/** The agent's version (sent to /ecco/ and /logs/). */
export const ECHO_VERSION: string =
  typeof __ECHO_VERSION__ === 'string' ? __ECHO_VERSION__ : fromPackageJson();
