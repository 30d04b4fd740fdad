// Entry point of the bundled CLI (dist/echo-agent.mjs).
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));
