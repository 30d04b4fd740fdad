import { mkdirSync } from 'node:fs';
import type { Clock } from './clock.ts';
import { noteCloudUrl } from './cloud/cloud-switch.ts';
import type { ResolvedConfig } from './config/load.ts';
import { type AgentLogging, createLogging } from './logging/create-logger.ts';
import { loggingOptionsFor } from './logging/logging-options.ts';
import { restrictDataDir } from './owner-only.ts';
import { openSecretStore } from './secrets/encrypted-file-store.ts';
import { resolveSecretRef, type SecretStore } from './secrets/secret-store.ts';
import { logStartNotices } from './start-notices.ts';
import { followStoreCondition } from './store/condition-notices.ts';
import { Store } from './store/store.ts';
import { storeOptionsFor } from './store/store-options.ts';

/** What every other part of the core stands on: the data folder, secrets, the log, the store. */
export interface AgentFoundation {
  secrets: SecretStore;
  logging: AgentLogging;
  store: Store;
}

/**
 * Makes the data folder (owner-only), opens the secret store, the log and the store, attaches the
 * log to the store, and says at start what the operator should know (start-notices.ts). A store that cannot be opened closes the log before the error goes on: a
 * core that waits for its store tries again, and must not leave a file open each time.
 */
export function openFoundation(
  config: ResolvedConfig,
  options: { clock: Clock; stdoutLogs: boolean; secrets?: SecretStore },
): AgentFoundation {
  mkdirSync(config.data_dir, { recursive: true, mode: 0o700 });
  // The mode above applies only to a folder Echo creates; one that existed is restricted too.
  const notOwnerOnly = restrictDataDir(config.data_dir);
  const secrets = options.secrets ?? openSecretStore(config.data_dir);
  const sentryDsn = config.log.sentry_dsn_ref
    ? resolveSecretRef(config.log.sentry_dsn_ref, secrets)
    : undefined;
  const logging = createLogging(
    loggingOptionsFor(config, { stdout: options.stdoutLogs, ...(sentryDsn ? { sentryDsn } : {}) }),
  );
  const logger = logging.logger;
  let store: Store;
  try {
    store = Store.open(
      storeOptionsFor(config, options.clock.now, (report) =>
        logger.error({ quarantine: report }, 'the local database was damaged: quarantined and salvaged'),
      ),
    );
  } catch (error) {
    logging.close();
    throw error;
  }
  const foundation = { secrets, logging, store };
  return withFoundation(foundation, () => {
    followStoreCondition(store, logger.child({ component: 'store' }));
    logging.storeSink.attach((entry) => store.ingestLog(entry));
    logStartNotices(logger, {
      notOwnerOnly,
      secrets,
      cloudMoved: noteCloudUrl(store, secrets, config.cloud.url),
      withheldApiToken: config.withheldApiToken,
    });
    return foundation;
  });
}

/**
 * Runs `build` on an open foundation; if it throws, the store and the log are closed before the
 * error goes on (a core that waits for its store builds again, and must not leak a file each time).
 */
export function withFoundation<T>(foundation: AgentFoundation, build: () => T): T {
  try {
    return build();
  } catch (error) {
    closeFoundation(foundation);
    throw error;
  }
}

/** Closes what openFoundation opened (a core that failed to build, or one that stopped). */
export function closeFoundation(foundation: AgentFoundation): void {
  foundation.logging.storeSink.detach();
  foundation.store.close();
  foundation.logging.close();
}
