import type { NetworkCheck } from '../shared/api/wire-network.ts';

/** The network check in a few lines: the verdict, then each way tried (status, validate-config). */
export function networkLines(check: NetworkCheck | undefined): string[] {
  if (!check) return [];
  const lines = [`Network: ${check.summary}`];
  lines.push(`  direct: ${check.direct.detail}`);
  if (check.proxied) lines.push(`  through ${check.proxy}: ${check.proxied.detail}`);
  if (check.trust.length > 0) lines.push(`  trusted besides Node's CAs: ${check.trust.join('; ')}`);
  return lines;
}
