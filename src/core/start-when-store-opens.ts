import { EchoError, StoreError } from '../shared/errors.ts';
import type { Agent } from './agent.ts';
import { LocalApi } from './api/local-api.ts';
import { sleep } from './clock.ts';
import type { ResolvedConfig } from './config/load.ts';
import { createLogging } from './logging/create-logger.ts';
import { loggingOptionsFor } from './logging/logging-options.ts';
import { classifyStoreFailure, freeBytes, probeWritable } from './store/store-failure.ts';
import { StoreWaitingCore } from './store-waiting-core.ts';

type Endpoint = { port: number; token: string };

/** True when `error` says the store cannot be opened for want of space or permission (not a bug). */
function storeCannotOpen(error: unknown, dataDir: string): boolean {
  if (error instanceof StoreError)
    return error.code === 'ECHO_ERR_DISK_FULL' || error.code === 'ECHO_ERR_STORE_UNWRITABLE';
  if (error instanceof EchoError) return false;
  const kind = classifyStoreFailure(error, dataDir);
  return kind === 'disk_full' || kind === 'unwritable';
}

/**
 * Starts the core; when its store cannot be opened (a read-only or missing data folder, a full
 * disk, a share that is gone), the local API comes up anyway with a core that says why
 * (StoreWaitingCore), and the start is tried again every `store.recheck_interval_s` until the store
 * opens. The real core then takes over the same port and token, so an open UI reconnects by itself.
 */
export async function startWhenStoreOpens(
  start: (endpoint: Endpoint | undefined) => Promise<Agent>,
  config: ResolvedConfig,
  options: {
    api: boolean;
    stdoutLogs: boolean;
    endpoint?: Endpoint;
    /** Told where the waiting API listens (api.json may be what cannot be written). */
    onWaiting?: (api: { url: string; token: string; message: string }) => void;
    /** Gives up waiting (the shell stops): the waiting API closes and the abort reason is thrown. */
    signal?: AbortSignal;
  },
): Promise<Agent> {
  let failure: unknown;
  try {
    return await start(options.endpoint);
  } catch (error) {
    if (!storeCannotOpen(error, config.data_dir)) throw error;
    failure = error;
  }
  const logging = createLogging(
    loggingOptionsFor(config, { stdout: options.stdoutLogs, cloudLevel: 'fatal' }),
  );
  const logger = logging.logger.child({ component: 'store' });
  const waiting = new StoreWaitingCore(config, failure);
  logger.error({ err: failure }, waiting.message);
  const apiOptions = { host: config.api.host, dataDir: config.data_dir };
  let api = options.api
    ? new LocalApi(waiting, logger, {
        ...apiOptions,
        port: options.endpoint?.port ?? config.api.port,
        ...(options.endpoint ? { token: options.endpoint.token } : {}),
      })
    : undefined;
  await api?.start();
  const endpoint = api ? { port: api.port, token: api.token } : undefined;
  if (api) options.onWaiting?.({ url: api.url, token: api.token, message: waiting.message });
  try {
    for (;;) {
      await sleep(config.store.recheck_interval_s * 1000, options.signal);
      options.signal?.throwIfAborted();
      // The API is handed over only when a start looks likely: an open UI is not dropped at
      // every interval while the folder stays unusable or the disk stays full.
      const blocked = startLooksUnlikely(config);
      if (blocked !== undefined) {
        waiting.failedAgain(blocked);
        continue;
      }
      await api?.stop();
      api = undefined;
      try {
        const agent = await start(endpoint);
        agent.logger.info('the store opened: Echo runs');
        return agent;
      } catch (error) {
        if (!storeCannotOpen(error, config.data_dir)) throw error;
        waiting.failedAgain(error);
        logger.debug({ err: error }, 'the store still cannot be opened');
        if (endpoint) {
          api = new LocalApi(waiting, logger, { ...apiOptions, ...endpoint });
          await api.start();
        }
      }
    }
  } finally {
    await api?.stop();
    logging.close();
  }
}

/**
 * Why starting now would fail again, or undefined: the data folder (made if missing) must take a
 * file, and its disk must have `store.min_free_mb` free.
 */
function startLooksUnlikely(config: ResolvedConfig): unknown {
  const failure = probeWritable(config.data_dir, true);
  if (failure) return failure;
  const free = freeBytes(config.data_dir);
  const needed = config.store.min_free_mb * 1024 * 1024;
  if (free !== undefined && free < needed)
    return new StoreError(
      'ECHO_ERR_DISK_FULL',
      `${(free / 1e6).toFixed(1)} MB free in ${config.data_dir}, below store.min_free_mb (${config.store.min_free_mb} MB)`,
      { retryable: true },
    );
  return undefined;
}
