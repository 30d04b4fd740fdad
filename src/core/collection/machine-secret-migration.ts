import { existsSync, readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { MachineConfig } from '../../shared/config/schema.ts';
import { writeOwnerOnlyAtomic } from '../owner-only.ts';
import { legacyMachineSecretName, machineSecretName } from '../secrets/machine-secret-name.ts';
import type { SecretStore } from '../secrets/secret-store.ts';

interface SavedMachine {
  name?: unknown;
  credentials?: { password_ref?: unknown };
}

/**
 * Machines added in the app by an earlier Echo refer to a password entry that two names could
 * share (`machine-printer_1` for "printer 1" and for "printer_1"). Each such reference in
 * `machines.local.json` (`file`) moves, with its password, to the machine's own entry
 * (`machineSecretName`), once, before the machine list is read. The old entry goes when nothing
 * refers to it any more (not another app machine, not a config-file machine: `configured`).
 * Runs before `MachineSet` reads the file: that one drops any reference other than a machine's
 * own entry, and would otherwise drop these with their passwords.
 */
export function migrateMachineSecretNames(
  file: string,
  secrets: SecretStore,
  configured: readonly MachineConfig[],
  logger: Logger,
): void {
  if (!existsSync(file)) return;
  let saved: unknown;
  try {
    saved = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return; // MachineSet says the file cannot be read; nothing of it is used.
  }
  if (!Array.isArray(saved)) return;
  const moved = new Map<string, string[]>();
  for (const machine of saved as SavedMachine[]) {
    if (typeof machine?.name !== 'string' || !machine.credentials) continue;
    const legacy = legacyMachineSecretName(machine.name);
    const exact = machineSecretName(machine.name);
    if (legacy === exact || machine.credentials.password_ref !== `store:${legacy}`) continue;
    const password = secrets.get(legacy);
    if (password === undefined) continue;
    if (secrets.get(exact) === undefined) secrets.set(exact, password);
    machine.credentials.password_ref = `store:${exact}`;
    moved.set(legacy, [...(moved.get(legacy) ?? []), machine.name]);
  }
  if (moved.size === 0) return;
  // Written before an old entry is removed: a crash in between leaves an unused entry, never a
  // machine without its password.
  writeOwnerOnlyAtomic(file, JSON.stringify(saved, null, 2));
  const referenced = new Set(
    [...(saved as SavedMachine[]), ...configured].map((m) => m.credentials?.password_ref),
  );
  for (const [legacy, machines] of moved) {
    const stillUsed = referenced.has(`store:${legacy}`);
    if (!stillUsed) secrets.delete(legacy);
    // One machine alone on its old entry: its own password moved. Two or more ("printer 1" and
    // "printer#1"), or a config-file machine still on it: one password for several machines, which
    // may be right for one of them only.
    if (machines.length === 1 && !stillUsed) {
      logger.info({ machines }, "a machine's stored password moved to its own secret-store entry");
    } else {
      logger.warn(
        { machines, shared_entry: legacy },
        'machines whose names differ only by spaces or other characters shared one stored password; each keeps it now, in its own entry: type the right password again in the app where it differs',
      );
    }
  }
}
