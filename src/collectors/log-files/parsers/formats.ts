import type { LogFormat } from './format.ts';

/** `2024-05-02 14:03:11(.123)` or with a `T`, taken as local time of the machine's PC. */
function isoLocal(date: string, time: string): string | undefined {
  const parsed = new Date(`${date}T${time}`);
  return Number.isNaN(parsed.getTime()) ? undefined : parsed.toISOString();
}

/**
 * The built-in formats. Each line layout below is what the vendor's software writes on the machine
 * PC as far as public descriptions and shop samples go; a line that does not fit is kept (in the
 * capture, and as the text of the previous line's continuation), never dropped. The capture
 * carries the raw text, so the cloud's own parser stays the authority.
 */
export const LOG_FORMATS: readonly LogFormat[] = [
  {
    id: 'arcam',
    vendor: 'Arcam (GE Additive)',
    machines: 'Arcam EBM A2X, Q10plus, Q20plus, Spectra (EBM Control logs)',
    captureType: 'arcam.job.log',
    defaultPattern: '*.log',
    defaultEncoding: 'utf8',
    // 2024-05-02 14:03:11.532 | Info | Build "Q20-0412" started, 1800 layers
    split(line) {
      const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s*\|\s*(\w+)\s*\|\s*(.*)$/.exec(line);
      return m ? { timestamp: isoLocal(m[1]!, m[2]!), severity: m[3]!, message: m[4]! } : undefined;
    },
  },
  {
    id: 'eos',
    vendor: 'EOS',
    machines: 'EOS M 100/290/400, P 396/770 without EOSCONNECT (machine PC logs)',
    captureType: 'eos.modeler.log',
    defaultPattern: '*.log',
    defaultEncoding: 'latin1',
    // 02.05.2024 14:03:11 [WARNING] Recoater: high torque
    split(line) {
      const m = /^(\d{2})\.(\d{2})\.(\d{4}) (\d{2}:\d{2}:\d{2})\s+\[(\w+)\]\s+(.*)$/.exec(line);
      return m
        ? { timestamp: isoLocal(`${m[3]}-${m[2]}-${m[1]}`, m[4]!), severity: m[5]!, message: m[6]! }
        : undefined;
    },
  },
  {
    id: 'connex',
    vendor: 'Stratasys',
    machines: 'Objet Connex, J-series with Objet Studio (printer server logs)',
    captureType: 'connex.modeler.log',
    defaultPattern: '*.log',
    defaultEncoding: 'utf8',
    // 05/02/2024 14:03:11 Error: Head 3 temperature out of range
    split(line) {
      const m = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}:\d{2}:\d{2})\s+(\w+):\s+(.*)$/.exec(line);
      return m
        ? { timestamp: isoLocal(`${m[3]}-${m[1]}-${m[2]}`, m[4]!), severity: m[5]!, message: m[6]! }
        : undefined;
    },
  },
  {
    id: 'projet660',
    vendor: '3D Systems',
    machines: 'ProJet 660Pro / 860Pro (3D Print client logs)',
    captureType: 'projet660.modeler.log',
    defaultPattern: '*.log',
    defaultEncoding: 'utf8',
    // [2024-05-02 14:03:11] [ERROR] Binder low
    split(line) {
      const m = /^\[(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})\]\s+\[(\w+)\]\s+(.*)$/.exec(line);
      return m ? { timestamp: isoLocal(m[1]!, m[2]!), severity: m[3]!, message: m[4]! } : undefined;
    },
  },
  {
    id: 'renishaw',
    vendor: 'Renishaw',
    machines: 'Renishaw AM250, AM400, RenAM 500 (machine log, CSV)',
    captureType: 'renishaw.modeler.log',
    historicCaptureType: 'renishaw.modeler.historic',
    defaultPattern: '*.csv',
    defaultEncoding: 'utf8',
    // 2024-05-02T14:03:11,INFO,Build "impeller-07" started, 2400 layers
    split(line) {
      const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}(?:\.\d+)?),(\w+),(.*)$/.exec(line);
      return m ? { timestamp: isoLocal(m[1]!, m[2]!), severity: m[3]!, message: m[4]! } : undefined;
    },
  },
];

export function logFormat(id: string): LogFormat | undefined {
  return LOG_FORMATS.find((f) => f.id === id);
}
