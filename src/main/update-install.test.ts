import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/helpers/temp-dir.ts';
import { authenticodeCommand, decideInstall, judgeSignature } from './update-install.ts';

test('only an Echo installer inside <data_dir>/updates/ is run, checked for its signature on Windows', (t) => {
  const dataDir = realpathSync(tempDir(t));
  const updates = join(dataDir, 'updates');
  mkdirSync(updates);
  const installer = join(updates, 'Echo-1.3.0-windows-amd64.exe');
  writeFileSync(installer, 'x');
  writeFileSync(join(dataDir, 'Echo-1.3.0-windows-amd64.exe'), 'x');
  writeFileSync(join(updates, 'evil.exe'), 'x');
  const real = (p: string) => realpathSync(p);

  assert.deepEqual(decideInstall(installer, dataDir, 'linux', real), {
    action: 'open',
    path: installer,
    checkSignature: false,
  });
  assert.equal(
    decideInstall(join(updates, 'Echo-9.9.9-windows-amd64.exe'), dataDir, 'linux', real).action,
    'refuse',
  );
  assert.equal(
    decideInstall(join(dataDir, 'Echo-1.3.0-windows-amd64.exe'), dataDir, 'linux', real).action,
    'refuse',
  );
  assert.equal(
    decideInstall(join(updates, '..', 'Echo-1.3.0-windows-amd64.exe'), dataDir, 'linux', real).action,
    'refuse',
  );
  assert.equal(decideInstall(join(updates, 'evil.exe'), dataDir, 'linux', real).action, 'refuse');
  assert.equal(
    decideInstall('updates/Echo-1.3.0-windows-amd64.exe', dataDir, 'linux', real).action,
    'refuse',
  );
  assert.equal(decideInstall(42, dataDir, 'linux', real).action, 'refuse');
  assert.equal(decideInstall(undefined, dataDir, 'linux', real).action, 'refuse');

  // A link in the folder to a file elsewhere is judged by where it points.
  const outside = join(dataDir, 'Echo-2.0.0-windows-amd64.exe');
  writeFileSync(outside, 'x');
  symlinkSync(outside, join(updates, 'Echo-2.0.0-windows-amd64.exe'));
  assert.equal(
    decideInstall(join(updates, 'Echo-2.0.0-windows-amd64.exe'), dataDir, 'linux', real).action,
    'refuse',
  );

  // Windows: case-insensitive paths, and the signature is checked before running.
  const identity = (p: string) => p;
  assert.deepEqual(
    decideInstall(
      'C:\\Users\\op\\AppData\\Echo\\data\\updates\\Echo-1.3.0-windows-amd64.exe',
      'c:\\users\\op\\appdata\\echo\\data',
      'win32',
      identity,
    ),
    {
      action: 'open',
      path: 'C:\\Users\\op\\AppData\\Echo\\data\\updates\\Echo-1.3.0-windows-amd64.exe',
      checkSignature: true,
    },
  );
  assert.equal(
    decideInstall(
      'C:\\Users\\op\\AppData\\Echo\\data\\updates\\..\\..\\x\\Echo-1.3.0-windows-amd64.exe',
      'C:\\Users\\op\\AppData\\Echo\\data',
      'win32',
      identity,
    ).action,
    'refuse',
  );
});

test('the Authenticode check passes the path outside the command text, and only Valid passes', () => {
  const call = authenticodeCommand("C:\\x\\a'; Remove-Item -Recurse C:\\ ;'.exe");
  assert.equal(call.command, 'powershell.exe');
  assert.ok(!call.args.join(' ').includes('Remove-Item'));
  assert.equal(call.env.ECHO_UPDATE_FILE, "C:\\x\\a'; Remove-Item -Recurse C:\\ ;'.exe");
  assert.match(call.args.at(-1) ?? '', /Get-AuthenticodeSignature -LiteralPath \$env:ECHO_UPDATE_FILE/);
  assert.deepEqual(judgeSignature('Valid\r\n'), { ok: true });
  for (const status of ['NotSigned', 'HashMismatch', 'UnknownError', 'NotTrusted', '']) {
    const verdict = judgeSignature(status);
    assert.equal(verdict.ok, false, status);
  }
  const bad = judgeSignature('HashMismatch');
  assert.ok(!bad.ok && /HashMismatch.*not run/.test(bad.reason));
});
