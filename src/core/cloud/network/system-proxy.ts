/**
 * The desktop app's proxy: Chromium's answer for a URL (`session.resolveProxy`, which applies the
 * system settings, PAC files and WPAD), in PAC syntax: `PROXY host:port; DIRECT`. The core runs in
 * its own process; the shell answers for it (src/main/main.ts).
 */
export interface SystemProxyResolver {
  resolve(url: string): Promise<string>;
}

export type PacChoice =
  | { via: 'direct' }
  | { via: 'proxy'; url: string }
  | { via: 'unsupported'; entry: string };

/**
 * The first usable entry of a PAC answer: `PROXY`/`HTTP` → http://, `HTTPS` → https://, `DIRECT`.
 * SOCKS entries are skipped (undici has no SOCKS dispatcher) and said when nothing else is left.
 */
export function choosePac(answer: string): PacChoice {
  let unsupported: string | undefined;
  for (const raw of answer.split(';')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const [kind = '', target] = entry.split(/\s+/, 2);
    const upper = kind.toUpperCase();
    if (upper === 'DIRECT') return { via: 'direct' };
    if ((upper === 'PROXY' || upper === 'HTTP') && target) return { via: 'proxy', url: `http://${target}` };
    if (upper === 'HTTPS' && target) return { via: 'proxy', url: `https://${target}` };
    unsupported ??= entry;
  }
  return unsupported ? { via: 'unsupported', entry: unsupported } : { via: 'direct' };
}
