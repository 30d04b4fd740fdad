import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  renameSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

export type SimulatedFormat = 'arcam' | 'eos' | 'connex' | 'projet660' | 'renishaw';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** One line as each vendor's software writes it (local time, the vendor's severity words). */
export function formatLine(format: SimulatedFormat, at: Date, severity: string, message: string): string {
  const y = at.getFullYear();
  const mo = pad(at.getMonth() + 1);
  const d = pad(at.getDate());
  const time = `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
  switch (format) {
    case 'arcam':
      return `${y}-${mo}-${d} ${time}.${pad(at.getMilliseconds(), 3)} | ${severity} | ${message}`;
    case 'eos':
      return `${d}.${mo}.${y} ${time} [${severity.toUpperCase()}] ${message}`;
    case 'connex':
      return `${mo}/${d}/${y} ${time} ${severity}: ${message}`;
    case 'projet660':
      return `[${y}-${mo}-${d} ${time}] [${severity.toUpperCase()}] ${message}`;
    case 'renishaw':
      return `${y}-${mo}-${d}T${time},${severity.toUpperCase()},${message}`;
  }
}

/**
 * A machine PC writing its log to a folder, as Echo meets it on a share: lines in the vendor's
 * format, builds that start, count layers and finish (or fail, or are aborted), rotation by rename
 * (`machine.log` → `machine.log.1`) or by copy-and-truncate, a line caught half-written, and the
 * share going away and coming back.
 */
export class LogFolderSimulator {
  readonly lines: string[] = [];
  private offlineAt: string | undefined;

  constructor(
    readonly folder: string,
    readonly format: SimulatedFormat,
    readonly file = format === 'renishaw' ? 'machine.csv' : 'machine.log',
    private readonly encoding: BufferEncoding = 'utf8',
  ) {
    mkdirSync(folder, { recursive: true });
    if (!existsSync(this.path)) writeFileSync(this.path, '');
  }

  get path(): string {
    return join(this.folder, this.file);
  }

  line(severity: string, message: string, at = new Date()): void {
    const text = formatLine(this.format, at, severity, message);
    this.lines.push(text);
    appendFileSync(this.path, `${text}\r\n`, this.encoding);
  }

  startBuild(name: string, layers: number): void {
    this.line('Info', `Build "${name}" started, ${layers} layers`);
  }

  layer(n: number, of: number): void {
    this.line('Info', `Layer ${n} of ${of} done`);
  }

  finishBuild(name: string): void {
    this.line('Info', `Build "${name}" finished`);
  }

  failBuild(reason: string): void {
    this.line('Error', `Build failed: ${reason}`);
  }

  /** Writes a line without its end, as a reader on a share sees a line being written. */
  partial(severity: string, message: string): () => void {
    const text = formatLine(this.format, new Date(), severity, message);
    const cut = Math.floor(text.length / 2);
    appendFileSync(this.path, text.slice(0, cut), this.encoding);
    return () => {
      appendFileSync(this.path, `${text.slice(cut)}\r\n`, this.encoding);
      this.lines.push(text);
    };
  }

  /** Rotation by rename: `machine.log.N` shift up, the current file becomes `.1`, a new one starts. */
  rotate(): void {
    for (let n = 8; n >= 1; n--) {
      const from = `${this.path}.${n}`;
      if (existsSync(from)) renameSync(from, `${this.path}.${n + 1}`);
    }
    renameSync(this.path, `${this.path}.1`);
    writeFileSync(this.path, '');
  }

  /** Rotation by copy-and-truncate (logrotate's `copytruncate`): same file, size back to 0. */
  copyTruncate(): void {
    copyFileSync(this.path, `${this.path}.old`);
    truncateSync(this.path, 0);
  }

  /** The share disappears (cable, server reboot). */
  unplug(): void {
    this.offlineAt = `${this.folder}.offline`;
    renameSync(this.folder, this.offlineAt);
  }

  replug(): void {
    if (this.offlineAt) renameSync(this.offlineAt, this.folder);
    this.offlineAt = undefined;
  }
}
