import type { Duplex } from 'node:stream';

/** The MQTT fixed header's remaining length is at most four bytes of seven bits. */
const MAX_LENGTH_BYTES = 4;

/**
 * Watches the bytes a broker (a printer's own) sends and reports the first packet whose declared
 * size is over `maxBytes`, or whose length field is malformed, as soon as its fixed header
 * arrives: the MQTT parser would otherwise buffer up to 256 MB for one packet before handing it
 * over. Reads alongside the MQTT client (a second `data` listener), skipping packet bodies in O(1)
 * per chunk, so it costs nothing per byte.
 */
export function guardMqttPackets(
  stream: Duplex,
  maxBytes: number,
  onViolation: (problem: { kind: 'too_large'; size: number } | { kind: 'malformed' }) => void,
): void {
  let phase: 'type' | 'length' | 'body' = 'type';
  let length = 0;
  let multiplier = 1;
  let lengthBytes = 0;
  let remaining = 0;
  const onData = (chunk: Buffer) => {
    let i = 0;
    while (i < chunk.length) {
      if (phase === 'body') {
        const skip = Math.min(remaining, chunk.length - i);
        i += skip;
        remaining -= skip;
        if (remaining === 0) phase = 'type';
      } else if (phase === 'type') {
        i++;
        phase = 'length';
        length = 0;
        multiplier = 1;
        lengthBytes = 0;
      } else {
        const byte = chunk[i++]!;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        lengthBytes++;
        if (byte & 0x80) {
          if (lengthBytes === MAX_LENGTH_BYTES) return stop({ kind: 'malformed' });
          continue;
        }
        if (length > maxBytes) return stop({ kind: 'too_large', size: length });
        remaining = length;
        phase = remaining === 0 ? 'type' : 'body';
      }
    }
  };
  const stop = (problem: Parameters<typeof onViolation>[0]) => {
    stream.off('data', onData);
    onViolation(problem);
  };
  stream.on('data', onData);
}
