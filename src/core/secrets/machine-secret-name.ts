/**
 * A character of a machine's name that its secret-store entry and its folder (machine-folder.ts)
 * do not keep as it is: anything but ASCII letters, digits, ".", "_" and "-", one UTF-16 unit at a
 * time. Global, for `replace` (which starts from the beginning whatever `lastIndex` says).
 */
export const NOT_KEPT_IN_NAMES = /[^A-Za-z0-9._-]/g;

/**
 * The secret-store entry of the password of a machine added in the app, one per name: the name
 * is written exactly, ASCII letters, digits, ".", "_" and "-" as they are and every other UTF-16
 * unit (a "%" included) as "%" and four hex digits. So no two names share an entry ("printer 1"
 * is `machine-printer%00201`, "printer_1" is `machine-printer_1`), and a name made only of the
 * kept characters has the entry it always had.
 */
export function machineSecretName(machine: string): string {
  const escaped = machine.replace(
    NOT_KEPT_IN_NAMES,
    (unit) => `%${unit.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`,
  );
  return `machine-${escaped}`;
}

/**
 * The entry an earlier Echo used: every other character became "_", so "printer 1" and
 * "printer_1" shared one password. Read only to move such passwords to their own entry.
 */
export function legacyMachineSecretName(machine: string): string {
  return `machine-${machine.replace(NOT_KEPT_IN_NAMES, '_')}`;
}
