import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { allCollectors } from '../collectors/all.ts';
import { AgentHost, resolveConfig, withLocalSettings } from '../core/index.ts';
import { importFromCheckout } from './checkout.ts';
import { exitAfterFailedRestart, guardHost, waitForSignal } from './cmd-run.ts';
import { out } from './output.ts';

const DEMO_TOKEN = { uuid: '00000000-0000-4000-8000-00000000d3e0', secret: 'demo-secret' };

/**
 * `echo-agent demo` (what `npm start` runs): the cloud emulator plus an agent configured against
 * it, with every simulated machine that exists, and where to look.
 */
export async function demoCommand(flags: { 'data-dir'?: string; 'cloud-port'?: string }): Promise<number> {
  const { startCloudEmulator } = await importFromCheckout<typeof import('../cloud-emulator/server.ts')>(
    'cloud-emulator/server.ts',
    'demo',
  );
  const { startDemoFleet } = await importFromCheckout<typeof import('../collectors/demo-fleet.ts')>(
    'collectors/demo-fleet.ts',
    'demo',
  );
  const emulator = await startCloudEmulator({
    port: Number(flags['cloud-port'] ?? 0),
    seedToken: DEMO_TOKEN,
  });
  const fleet = await startDemoFleet();
  const dataDir = resolve(flags['data-dir'] ?? '.echo-data/demo');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const collectors = allCollectors();
  const machines = fleet.machines.map((machine) => {
    const definition = collectors.get(machine.collector)!;
    // The contract: an Addiguru analysis belongs to an Addiguru installation, not to a modeler.
    if (definition.captureTypes.includes('addiguru.build.analysis')) {
      const hub = emulator.state.addAddiguruInstallation({ name: machine.name });
      return { ...machine, addiguru_installation: hub.uri };
    }
    const type = emulator.state.addModelerType(
      `${definition.vendor} (demo)`,
      [...definition.captureTypes],
      definition.vendor,
    );
    return { ...machine, modeler: emulator.state.addModeler({ name: machine.name, type: type.uri }).uri };
  });
  const document = {
    workstation_name: 'echo-demo',
    data_dir: dataDir,
    cloud: {
      url: emulator.url,
      api_token: { uuid: DEMO_TOKEN.uuid, secret_ref: 'env:ECHO_DEMO_TOKEN_SECRET' },
    },
    intervals: { health: 10, logs_flush: 5, status_report: 5 },
    log: { level: 'info', cloud_level: 'info' },
    machines,
  };
  const configFile = join(dataDir, 'echo.demo.yml');
  writeFileSync(configFile, stringify(document));
  process.env.ECHO_DEMO_TOKEN_SECRET = DEMO_TOKEN.secret;
  const host = await AgentHost.start(() => withLocalSettings(resolveConfig(document, {}, configFile), {}), {
    collectors,
    onFailed: exitAfterFailedRestart,
  });
  guardHost(host);
  const { agent } = host;
  out('Echo demo is running.');
  out(`  cloud emulator   ${emulator.url}  (what it stored: ${emulator.url}_emulator/state)`);
  out(`  local API        ${agent.api?.url}/api/v1/status  (bearer token in ${join(dataDir, 'api.json')})`);
  // The token rides in the fragment, which the browser never sends; the page drops it at once.
  out(`  operator UI      ${agent.api?.url}/ui/#token=${agent.api?.token}`);
  out(`  status           ECHO_DATA_DIR=${dataDir} node bin/echo-agent.js status`);
  out(`  config           ${configFile}`);
  out(`  logs             ${join(dataDir, 'logs', 'echo.log')}`);
  out(
    `  machines         ${machines.map((m) => `${m.name} (${m.collector})`).join(', ')}: simulated, printing jobs in a loop`,
  );
  const cell = machines.find((m) => 'modeler' in m && m.commands?.allow.includes('start_job'));
  if (cell && 'modeler' in cell) {
    // A remote start_job, as the MES sends one: it waits for the operator's confirmation.
    setTimeout(() => {
      const file = emulator.addBuildFile({
        name: 'demo-gripper.gcode',
        content: Buffer.from(';FLAVOR:UltiGCode\n;demo job sent from the cloud\n'.repeat(2000)),
        virus_scan: 'passed',
        status: 'complete',
      });
      emulator.sendCommand({ type: 'start_job', modeler: cell.modeler, 'build-file': file.uri });
    }, 10_000).unref();
    out(
      `  remote command   in 10 s the cloud sends a start_job to ${cell.name}: confirm or refuse it in the UI (header, machine screen)`,
    );
  }
  out('Press Ctrl+C to stop.');
  return waitForSignal(host, async () => {
    await fleet.close();
    await emulator.close();
  });
}
