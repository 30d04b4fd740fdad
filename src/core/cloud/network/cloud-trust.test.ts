import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import tls from 'node:tls';
import { tempDir } from '../../../../test/helpers/temp-dir.ts';
import { testCa } from '../../../../test/helpers/test-ca.ts';
import { cloudTrust, readCaFile } from './cloud-trust.ts';

test("a CA bundle is added to Node's list, never substituted; the OS store when the runtime has one", async (t) => {
  const ca = await testCa();
  const dir = tempDir(t);
  const bundle = join(dir, 'corp.pem');
  writeFileSync(bundle, `# exported by IT\n${ca.caPem}\n${ca.otherCaPem}`);

  assert.deepEqual(cloudTrust({ use_system_ca: false }), { ca: undefined, added: [] });
  const withFile = cloudTrust({ ca_file: bundle, use_system_ca: false });
  assert.deepEqual(withFile.added, ['cloud.ca_file: 2 certificates']);
  assert.equal(withFile.ca!.length, tls.rootCertificates.length + 2);
  assert.ok(withFile.ca!.includes(tls.rootCertificates[0]!), "Node's own CAs stay");

  const system = cloudTrust({ use_system_ca: true }, () => ['SYSTEM-PEM-1', 'SYSTEM-PEM-2', 'SYSTEM-PEM-3']);
  assert.deepEqual(system.added, ['the system store: 3 certificates']);
  assert.equal(system.ca!.length, tls.rootCertificates.length + 3);
});

test('use_system_ca on a runtime without the OS store, and CA files that are not CA files, say the field and the fix', async (t) => {
  assert.throws(
    () => cloudTrust({ use_system_ca: true }, undefined),
    /cloud\.use_system_ca: this runtime .* set cloud\.ca_file/,
  );
  const dir = tempDir(t);
  assert.throws(
    () => readCaFile(join(dir, 'missing.pem')),
    /cloud\.ca_file: .*missing\.pem.*give the path of a PEM file/,
  );
  const der = join(dir, 'ca.cer');
  writeFileSync(der, Buffer.from([0x30, 0x82, 0x03, 0x01, 0x02]));
  assert.throws(() => readCaFile(der), /has no PEM certificate; export the CA as Base-64 \(PEM\), not DER/);
  const broken = join(dir, 'broken.pem');
  writeFileSync(broken, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
  assert.throws(() => readCaFile(broken), /certificate 1 of .*broken\.pem does not parse/);
});
