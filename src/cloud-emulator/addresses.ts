import { randomUUID } from 'node:crypto';

/**
 * Where the emulator is reachable and which bureau it emulates: every resource's `uri` is built
 * here, so the stores (identity, job files, commands, machines) agree on one base address.
 */
export class EmulatorAddresses {
  readonly bureauUuid = randomUUID();
  private base = '';

  setBase(base: string): void {
    this.base = base.replace(/\/$/, '');
  }

  url(path: string): string {
    return `${this.base}${path}`;
  }

  get bureauUri(): string {
    return this.url(`/bureau/${this.bureauUuid}/`);
  }
}
