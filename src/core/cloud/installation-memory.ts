import type { Logger } from 'pino';
import { describeError } from '../../shared/errors.ts';
import type { StoreStats } from '../store/store-stats.ts';
import {
  canonicalCloudUrl,
  type InstallationIdentity,
  type InstallationIdentityFile,
} from './installation-identity.ts';

/** The store's kv key of the installation's URI (kept: older Echos and a rollback read it). */
export const ECCO_URI_KEY = 'cloud.ecco_uri';

export interface InstallationMemoryOptions {
  stats: StoreStats;
  file: InstallationIdentityFile;
  /** `cloud.url`: a file written for another cloud is not this installation. */
  cloudUrl: string;
  workstationName: string;
  /** True for a URI on the cloud's own origins (`CloudHttpClient.trusts`): no other is recalled. */
  trusts(uri: string): boolean;
  now(): number;
  logger: Pick<Logger, 'info' | 'warn'>;
}

/**
 * Where the installation's `/ecco/` URI is remembered: the store's kv, as ever, and
 * `installation.json` beside the database, which outlives a quarantine of the database. The two
 * are reconciled once per start (`recall`); after that both are written together. A copy that
 * cannot be written (a full disk, a read-only folder) is logged, not thrown: registration goes on
 * with the other copy, and with the URI in memory.
 */
export class InstallationMemory {
  private reconciled = false;
  /** The URI in effect: within a run it is the authority, whichever copy failed to be written. */
  private current: string | undefined;

  constructor(private readonly options: InstallationMemoryOptions) {}

  /**
   * The URI to ask the cloud about, or undefined (register or adopt one). The database wins when
   * both have one (it is written first, and the file may have missed a write); the file wins when
   * the database has lost it; a URI only in the database (an older Echo) is copied to the file.
   */
  recall(): string | undefined {
    if (!this.reconciled) {
      this.reconciled = true;
      this.current = this.reconcile();
    }
    return this.current;
  }

  private reconcile(): string | undefined {
    const inFile = this.fromFile();
    let inStore = this.inStore();
    if (inStore !== undefined && !this.options.trusts(inStore)) {
      // Saved by an older Echo, which kept any Location: not fetched; registered anew, and the
      // new Location is checked before it is saved.
      this.setStore(undefined);
      inStore = undefined;
    }
    if (inStore !== undefined) {
      if (inFile?.ecco_uri !== inStore) this.writeFile(inStore, 'carried_over');
      return inStore;
    }
    if (inFile === undefined) return undefined;
    this.options.logger.info(
      { ecco: inFile.ecco_uri, file: this.options.file.path },
      'the database did not know this installation (a quarantine?): its URI is taken from installation.json',
    );
    this.setStore(inFile.ecco_uri);
    return inFile.ecco_uri;
  }

  /** A registration or adoption: both copies name `uri` from now on. */
  remember(uri: string, source: 'registered' | 'adopted'): void {
    this.reconciled = true;
    this.current = uri;
    this.setStore(uri);
    this.writeFile(uri, source);
  }

  /** The cloud no longer knows the installation (404), or it belongs to another cloud: both copies go. */
  forget(): void {
    this.reconciled = true;
    this.current = undefined;
    this.setStore(undefined);
    this.clearFile();
  }

  /** The file's identity when it is usable here: valid, for this cloud, on its origin. */
  private fromFile(): InstallationIdentity | undefined {
    const { file, logger, cloudUrl } = this.options;
    const read = file.read();
    if (read.problem !== undefined) {
      logger.warn({ file: file.path, reason: read.problem }, 'installation.json is ignored');
      return undefined;
    }
    const identity = read.identity;
    if (identity === undefined) return undefined;
    const forThisCloud =
      canonicalCloudUrl(identity.cloud_url) === canonicalCloudUrl(cloudUrl) &&
      this.options.trusts(identity.ecco_uri);
    if (forThisCloud) return identity;
    logger.info(
      { file: file.path, cloud: identity.cloud_url, ecco: identity.ecco_uri },
      'installation.json names an installation of another cloud: forgotten',
    );
    this.clearFile();
    return undefined;
  }

  private clearFile(): void {
    const problem = this.options.file.clear();
    if (problem) {
      // Harmless: a stale URI the file still names is checked with a GET at the next start (a 404
      // forgets it again), and a file of another cloud is ignored.
      this.options.logger.warn(
        { file: this.options.file.path, reason: problem },
        'installation.json could not be removed',
      );
    }
  }

  private writeFile(uri: string, source: InstallationIdentity['source']): void {
    const { file, logger, cloudUrl, workstationName, now } = this.options;
    const problem = file.write({
      ecco_uri: uri,
      workstation_name: workstationName,
      cloud_url: canonicalCloudUrl(cloudUrl),
      registered_at: new Date(now()).toISOString(),
      source,
    });
    if (problem) {
      logger.warn(
        { file: file.path, reason: problem },
        'installation.json could not be written: the database alone names the installation; a damaged database would lose it',
      );
    }
  }

  private inStore(): string | undefined {
    try {
      return this.options.stats.getValue(ECCO_URI_KEY);
    } catch (error) {
      this.options.logger.warn(
        { reason: describeError(error) },
        'the store could not be read for the installation URI',
      );
      return undefined;
    }
  }

  private setStore(uri: string | undefined): void {
    try {
      this.options.stats.setValue(ECCO_URI_KEY, uri);
    } catch (error) {
      // A full disk or an unwritable store: installation.json and the running agent keep the URI.
      this.options.logger.warn(
        { reason: describeError(error) },
        'the store could not record the installation URI; installation.json keeps it',
      );
    }
  }
}
