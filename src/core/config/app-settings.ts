import type { Logger } from 'pino';
import { describeError } from '../../shared/errors.ts';
import type { ResolvedConfig } from './load.ts';
import {
  applyLocalSettings,
  describeEditableSettings,
  type LocalSettingsPatch,
  mergeLocalSettings,
  readLocalSettings,
  writeLocalSettings,
} from './local-settings.ts';

/**
 * The settings screen's side of the core: what is in effect and what may be changed, and a
 * change kept in `data_dir/settings.local.json` (validated with the config as a whole first)
 * then applied by asking the shell to restart the core, so that every part reads it. Without a
 * shell that restarts (an embedding), a change applies at the next start.
 */
export class AppSettings {
  constructor(
    private readonly config: ResolvedConfig,
    private readonly logger: Logger,
    private readonly onRestart: ((reason: string) => void) | undefined,
  ) {}

  /**
   * What the app may change, with the sources. The settings in effect are added by the agent
   * (api/diagnostics.ts shapes them for the local API, a floor above this one).
   */
  describeEditable(): { editable: ReturnType<typeof describeEditableSettings>; restartable: boolean } {
    return { editable: describeEditableSettings(this.config), restartable: this.onRestart !== undefined };
  }

  update(patch: LocalSettingsPatch): { saved: true; restarting: boolean } {
    const next = mergeLocalSettings(readLocalSettings(this.config.data_dir), patch);
    applyLocalSettings(this.config, next);
    writeLocalSettings(this.config.data_dir, next);
    this.logger.info({ settings: next }, 'settings changed in the app');
    const restart = this.onRestart;
    // After the answer has left: the restart closes the local API's connections.
    if (restart) setTimeout(() => restart('settings changed in the app'), 200);
    return { saved: true, restarting: restart !== undefined };
  }

  /** The app's settings file for support; a damaged one is said, not thrown (the zip must come). */
  changedInApp(): unknown {
    try {
      return readLocalSettings(this.config.data_dir);
    } catch (error) {
      return { unreadable: describeError(error) };
    }
  }
}
