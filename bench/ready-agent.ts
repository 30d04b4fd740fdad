// Measures start-to-ready of the agent on an existing data_dir: from the call to Agent.start until
// GET /readyz answers 200. Usage: ready-agent.ts <data_dir>
import { Agent } from '../src/core/agent.ts';
import { benchConfig } from './shared.ts';

const [dataDir] = process.argv.slice(2) as [string];
// The cloud is unreachable on purpose: readiness must not depend on it.
const config = benchConfig(dataDir, 'http://127.0.0.1:9/', 'http://127.0.0.1:9/modeler/x/');
const start = performance.now();
const agent = await Agent.start({ config });
const response = await fetch(`${agent.api!.url}/readyz`);
const seconds = (performance.now() - start) / 1000;
const quarantined = agent.store.quarantineReports.length;
await agent.stop();
process.stdout.write(`${JSON.stringify({ seconds, status: response.status, quarantined })}\n`);
process.exit(0);
