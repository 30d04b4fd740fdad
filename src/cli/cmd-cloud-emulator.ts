import type { FaultPlan } from '../cloud-emulator/schemas.ts';
import { importFromCheckout } from './checkout.ts';
import { out } from './output.ts';

/**
 * Parses `--faults 429=0.1,503=0.05,reset=0.02,upload-reset=0.1,slow=200,retry-after=5,down` into a
 * fault plan.
 */
export function parseFaults(spec: string | undefined): Partial<FaultPlan> {
  if (!spec) return {};
  const plan: Partial<FaultPlan> = {};
  for (const part of spec.split(',').filter(Boolean)) {
    const [key, raw] = part.split('=');
    const value = Number(raw);
    const need = () => {
      if (raw === undefined || !Number.isFinite(value))
        throw new Error(`--faults: "${part}" needs a number, e.g. ${key}=0.1`);
      return value;
    };
    switch (key) {
      case '429':
        plan.rate_429 = need();
        break;
      case '503':
        plan.rate_503 = need();
        break;
      case 'reset':
        plan.rate_reset = need();
        break;
      case 'upload-reset':
        plan.rate_upload_reset = need();
        break;
      case 'slow':
        plan.slow_ms = need();
        break;
      case 'retry-after':
        plan.retry_after_seconds = need();
        break;
      case 'down':
        plan.down = true;
        break;
      default:
        throw new Error(
          `--faults: unknown fault "${key}"; use 429, 503, reset, upload-reset, slow, retry-after or down`,
        );
    }
  }
  return plan;
}

/** `echo-agent cloud-emulator [--port N] [--faults ...] [--token uuid:secret]`. */
export async function cloudEmulatorCommand(flags: {
  port?: string;
  faults?: string;
  token?: string;
}): Promise<number> {
  // Loaded on demand from the sources: the emulator is a tool, not part of the agent's runtime.
  const { startCloudEmulator } = await importFromCheckout<typeof import('../cloud-emulator/server.ts')>(
    'cloud-emulator/server.ts',
    'cloud-emulator',
  );
  const [uuid, secret] = (flags.token ?? '').split(':');
  const emulator = await startCloudEmulator({
    port: Number(flags.port ?? 0),
    faults: parseFaults(flags.faults),
    ...(uuid && secret ? { seedToken: { uuid, secret } } : {}),
  });
  out(`Cloud emulator listening on ${emulator.url}`);
  out('  sign in with operator / echo-demo; state at GET /_emulator/state; faults at PUT /_emulator/faults');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await emulator.close();
  return 0;
}
