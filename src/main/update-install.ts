import { posix, win32 } from 'node:path';

/**
 * Installing an update the core downloaded (`POST /api/v1/update/download` answers its path): the
 * page asks through the preload's `installUpdate(path)`; the main process runs the installer only
 * when the path is a file Echo put in `<data_dir>/updates/`, and on Windows only when its
 * Authenticode signature is valid. Pure decisions here; main.ts runs PowerShell and `shell.openPath`.
 */
export type InstallDecision =
  | { action: 'refuse'; reason: string }
  | { action: 'open'; path: string; checkSignature: boolean };

/** Installer names as the core writes them (src/core/updates/download-update.ts, updateFileName). */
const INSTALLER_NAME = /^Echo-[0-9A-Za-z.-]+-(windows|mac)-(x86|amd64)\.(exe|msi)$/;

/**
 * `requested` (from the page, so anything) must name, after resolving links (`realpath`, which
 * throws for a missing file), an installer directly inside `<dataDir>/updates/`.
 */
export function decideInstall(
  requested: unknown,
  dataDir: string,
  platform: NodeJS.Platform,
  realpath: (path: string) => string,
): InstallDecision {
  const path = platform === 'win32' ? win32 : posix;
  if (typeof requested !== 'string' || requested === '' || !path.isAbsolute(requested)) {
    return { action: 'refuse', reason: 'the update path is not an absolute path' };
  }
  let real: string;
  let folder: string;
  try {
    real = realpath(path.resolve(requested));
    folder = realpath(path.join(dataDir, 'updates'));
  } catch {
    return { action: 'refuse', reason: 'the update file is not there (download it again)' };
  }
  const same = (a: string, b: string) =>
    platform === 'win32' ? a.toLowerCase() === b.toLowerCase() : a === b;
  if (!same(path.dirname(real), folder)) {
    return { action: 'refuse', reason: `only an installer in ${folder} is run` };
  }
  if (!INSTALLER_NAME.test(path.basename(real))) {
    return { action: 'refuse', reason: `${path.basename(real)} is not an Echo installer Echo downloaded` };
  }
  return { action: 'open', path: real, checkSignature: platform === 'win32' };
}

/**
 * The PowerShell call that reads an installer's Authenticode status. The path travels in the
 * environment, never inside the command text, so no file name can change the command.
 */
export function authenticodeCommand(file: string): {
  command: string;
  args: string[];
  env: Record<string, string>;
} {
  return {
    command: 'powershell.exe',
    args: [
      '-NoProfile',
      '-NonInteractive',
      '-ExecutionPolicy',
      'Bypass',
      '-Command',
      '(Get-AuthenticodeSignature -LiteralPath $env:ECHO_UPDATE_FILE).Status.ToString()',
    ],
    env: { ECHO_UPDATE_FILE: file },
  };
}

/** `Valid` is the only status that lets an installer run; anything else says what Windows said. */
export function judgeSignature(stdout: string): { ok: true } | { ok: false; reason: string } {
  const status = stdout.trim();
  if (status === 'Valid') return { ok: true };
  return {
    ok: false,
    reason: `the installer's Authenticode signature is not valid (Windows says: ${status || 'nothing'}): it is not run`,
  };
}
