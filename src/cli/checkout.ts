import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Loads a module that exists only in a source checkout: the cloud emulator, the demo fleet and
 * its simulators. They are tools, not the agent, so the bundle that services and installers ship
 * (`npm run build`) must not carry them. The path is computed at run time, which esbuild cannot
 * follow, so they stay out of the bundle; from the sources (bin/echo-agent.js runs them through
 * tsx) it resolves beside this file. `what` names the command in the error.
 */
export async function importFromCheckout<T>(pathFromSrc: string, what: string): Promise<T> {
  const here = import.meta.url;
  const url = new URL(`../${pathFromSrc}`, here);
  // Bundled, this file is a .mjs chunk in dist/ and plain node cannot load the .ts sources.
  if (!here.endsWith('.ts') || !existsSync(fileURLToPath(url)))
    throw new Error(
      `${what} needs a source checkout: run bin/echo-agent.js from a clone of Echo after npm install`,
    );
  return (await import(url.href)) as T;
}
