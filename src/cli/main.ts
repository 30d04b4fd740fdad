import { parseArgs } from 'node:util';
import { ConfigError, describeError, EchoError } from '../shared/errors.ts';
import { err, out } from './output.ts';

export const USAGE = `Usage: echo-agent <command> [options]

Commands:
  run --config <file>                 run the agent in the foreground (SIGTERM/SIGINT stop it cleanly)
  status [--json] [--config <file> | --data-dir <dir>]
                                      what the agent is doing (asks the running agent, else reads its store)
  validate-config <file> [--check-network]
                                      check a configuration file and exit; --check-network also
                                      asks the cloud, directly and through the proxy (docs/network.md)
  login [--config <file>] [--username <u>] [--ldap] [--password-stdin]
                                      sign in and store an api token (the password is never stored)
  cloud-emulator [--port <n>] [--faults <spec>] [--token <uuid:secret>]
                                      run the local cloud emulator
  demo [--data-dir <dir>] [--cloud-port <n>]
                                      the emulator plus an agent with the simulated machines

Environment: ECHO_CONFIG, ECHO_DATA_DIR, ECHO_CLOUD_URL, ECHO_LOG_LEVEL, ECHO_UPDATES_CHECK (see docs/configuration.md).
Exit codes: 0 ok, 1 failure, 2 bad usage or configuration, 3 (status) agent not running.`;

/** The CLI entry point; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        json: { type: 'boolean' },
        'data-dir': { type: 'string' },
        username: { type: 'string', short: 'u' },
        ldap: { type: 'boolean' },
        'password-stdin': { type: 'boolean' },
        port: { type: 'string' },
        faults: { type: 'string' },
        token: { type: 'string' },
        'cloud-port': { type: 'string' },
        'check-network': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help || command === undefined || command === 'help' || command === '--help') {
      out(USAGE);
      return command === undefined ? 2 : 0;
    }
    // Each command's code is loaded when it runs: `run` never loads the emulator, the simulators
    // or their protocol servers (the demo's), nor `status` the agent.
    switch (command) {
      case 'run':
        return await (await import('./cmd-run.ts')).runCommand(values);
      case 'status':
        return await (await import('./cmd-status.ts')).statusCommand(values);
      case 'validate-config':
        return await (await import('./cmd-validate.ts')).validateCommand(
          positionals[0] ?? values.config,
          values,
        );
      case 'login':
        return await (await import('./cmd-login.ts')).loginCommand(values);
      case 'cloud-emulator':
        return await (await import('./cmd-cloud-emulator.ts')).cloudEmulatorCommand(values);
      case 'demo':
        return await (await import('./cmd-demo.ts')).demoCommand(values);
      default:
        err(`Unknown command "${command}".\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      err(error.message);
      return 2;
    }
    if (error instanceof EchoError) {
      err(`${error.message} [${error.code}]`);
      return 1;
    }
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err(`${describeError(error)}\n\n${USAGE}`);
      return 2;
    }
    err(`echo-agent ${command}: ${describeError(error)}`);
    return 1;
  }
}
