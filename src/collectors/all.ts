import { addiguru } from './addiguru/index.ts';
import { bambu } from './bambu/index.ts';
import { carbon } from './carbon/index.ts';
import { catalystex } from './catalystex/index.ts';
import { eosConnectCore } from './eos-connect-core/index.ts';
import { eosConnectV6 } from './eos-connect-v6/index.ts';
import { formlabs } from './formlabs/index.ts';
import { haas } from './haas/index.ts';
import { hpMjf } from './hp-mjf/index.ts';
import { logFiles } from './log-files/index.ts';
import { markforged } from './markforged/index.ts';
import { photocentric } from './photocentric/index.ts';
import { photocentricJeni } from './photocentric-jeni/index.ts';
import { CollectorRegistry } from './sdk/registry.ts';
import { slm } from './slm/index.ts';
import { stratasysMtconnect } from './stratasys-mtconnect/index.ts';
import { ultimaker } from './ultimaker/index.ts';

/**
 * Every collector Echo ships, listed explicitly (a test checks that each folder is here). Adding
 * a vendor: its folder, then one line below.
 */
export function allCollectors(): CollectorRegistry {
  return new CollectorRegistry([
    ultimaker,
    bambu,
    logFiles,
    eosConnectV6,
    slm,
    eosConnectCore,
    haas,
    stratasysMtconnect,
    photocentric,
    photocentricJeni,
    catalystex,
    formlabs,
    markforged,
    carbon,
    hpMjf,
    addiguru,
  ]);
}
