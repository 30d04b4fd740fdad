/**
 * Issue 15 follow-up, "One bad machine must never stop the others", for the HTTP collectors added
 * since issue 9: Formlabs, Markforged and Carbon (vendor clouds, one poller per account) and HP Multi
 * Jet Fusion and Addiguru (assumed local APIs), each answering oversized, endless, slow, deep,
 * non-JSON, wrongly typed or huge bodies and resetting connections mid-body, against the agent as it
 * ships (`echo-agent run` in a child process), next to a healthy Ultimaker polled every second and a
 * healthy account of each cloud vendor.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../helpers/harness.ts';
import { startPerMode } from './attack.ts';
import { runMachineGroupAttack } from './attack-runner.ts';
import type { Expectation } from './machine-kit.ts';
import {
  addiguruProfile,
  carbonProfile,
  formlabsProfile,
  HostileVendorApi,
  hpMjfProfile,
  markforgedProfile,
  SERIAL,
  VENDOR_EXPECTED,
  type VendorHostility,
  type VendorProfile,
} from './machine-vendor-apis.ts';
import type { MachineEntry } from './real-agent.ts';

type Mode = Exclude<VendorHostility, 'healthy'>;
/**
 * Every collector gets these; the costly ones (the streams are pumped from this test process, which
 * also answers the healthy Ultimaker) go to one vendor cloud (`cloudRequest`) and one local API
 * (`httpGet`), the path-specific ones are spread over the collectors.
 */
const COMMON: Mode[] = [
  'deep-json',
  'html-page',
  'huge-array',
  'numbers-for-strings',
  'reset-mid-body',
  'stall-mid-body',
];

interface Vendor {
  prefix: string;
  collector: string;
  profile: VendorProfile;
  modes: Mode[];
  /** Its `connection` for a fake on `api`, account `account`. */
  connection(api: HostileVendorApi, account: string): Record<string, unknown>;
  cloud: boolean;
}

const cloudTiming = { list_interval: 1, request_timeout: 2 };

const VENDORS: Vendor[] = [
  {
    prefix: 'fl',
    collector: 'formlabs',
    profile: formlabsProfile,
    modes: [...COMMON, 'oversized-stream', 'huge-declared'],
    cloud: true,
    connection: (api, account) => ({
      mode: 'cloud',
      account,
      serial: SERIAL,
      api_url: `${api.url}/developer/v1`,
      ...cloudTiming,
    }),
  },
  {
    prefix: 'mf',
    collector: 'markforged',
    profile: markforgedProfile,
    modes: [...COMMON, 'binary'],
    cloud: true,
    connection: (api, account) => ({ account, serial: SERIAL, api_url: `${api.url}/api/v3`, ...cloudTiming }),
  },
  {
    prefix: 'cb',
    collector: 'carbon',
    profile: carbonProfile,
    modes: [...COMMON, 'dribble'],
    cloud: true,
    connection: (api, account) => ({ account, serial: SERIAL, api_url: `${api.url}/v1`, ...cloudTiming }),
  },
  {
    prefix: 'hp',
    collector: 'hp-mjf',
    profile: hpMjfProfile,
    modes: [...COMMON, 'oversized-stream', 'huge-declared', 'dribble'],
    cloud: false,
    connection: (api) => ({ host: '127.0.0.1', port: api.port }),
  },
  {
    prefix: 'ag',
    collector: 'addiguru',
    profile: addiguruProfile,
    modes: [...COMMON, 'binary'],
    cloud: false,
    connection: (api) => ({ host: '127.0.0.1', port: api.port }),
  },
];

test('hostile Formlabs, Markforged, Carbon, HP MJF and Addiguru APIs against the real agent: each fails alone, the healthy ones stay on time', async (t) => {
  await runMachineGroupAttack(t, async (t) => {
    const secret = join(tempDir(t), 'client-secret');
    writeFileSync(secret, 'hostile-secret', { mode: 0o600 });
    const credentials = { username: 'hostile-client', password_ref: `file:${secret}` };
    const entries: MachineEntry[] = [];
    const expected: Record<string, Expectation> = {};
    const stayUp: Record<string, RegExp> = {};
    const apis: Array<[HostileVendorApi, Mode]> = [];
    const all: HostileVendorApi[] = [];
    const entry = (vendor: Vendor, name: string, api: HostileVendorApi, account: string): MachineEntry => ({
      name,
      collector: vendor.collector,
      connection: vendor.connection(api, account),
      credentials,
      poll_interval: 1,
      // 3 s: the 700 MB answer is refused from its header, not read (http-machines.test.ts gives it a minute).
      timeout: 3,
    });
    for (const vendor of VENDORS) {
      const fakes = await startPerMode(t, vendor.modes, () => HostileVendorApi.start(vendor.profile));
      for (const [mode, api] of fakes) {
        const name = `${vendor.prefix}-${mode}`;
        entries.push(entry(vendor, name, api, `hostile-${mode}`));
        expected[name] = VENDOR_EXPECTED[mode as Mode];
        apis.push([api, mode as Mode]);
        all.push(api);
      }
      if (vendor.cloud) {
        // A second machine of the deep-json account: the shared poller fails both, with its error.
        const deep = fakes.get('deep-json')!;
        entries.push(entry(vendor, `${vendor.prefix}-deep-json-2`, deep, 'hostile-deep-json'));
        expected[`${vendor.prefix}-deep-json-2`] = VENDOR_EXPECTED['deep-json'];
        // A healthy account of the same vendor, next to the hostile ones.
        const healthy = await HostileVendorApi.start(vendor.profile);
        t.after(() => healthy.close());
        entries.push(entry(vendor, `${vendor.prefix}-healthy`, healthy, 'healthy'));
        stayUp[`${vendor.prefix}-healthy`] = /^idle$/;
      }
    }
    return {
      entries,
      expected,
      stayUp,
      turn: () => {
        for (const [api, mode] of apis) api.mode = mode;
      },
      sent: () => all.reduce((sum, api) => sum + api.bytesSent, 0),
      attackMs: 30_000,
      baselineMs: 8000,
    };
  });
});
