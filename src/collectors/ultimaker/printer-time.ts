/**
 * The printer writes its times (`history/events` `time`, `print_job` and `history/print_jobs`
 * `datetime_*`) as ISO 8601 without a zone, in its own local time. Echo reads such a time as the
 * local time of the PC it runs on (the printer and the PC are assumed to be set to the same zone,
 * the usual case in one shop; assumed, not checked against a machine). A time with a zone (`Z`,
 * `+02:00`) is read as written. Returns epoch ms, or undefined for a time Echo cannot read.
 */
export function printerTime(text: string | null | undefined): number | undefined {
  if (!text) return undefined;
  const match = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(
    text.trim(),
  );
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  const ms = fraction ? Math.floor(Number(`0${fraction}`) * 1000) : 0;
  const at = zone
    ? Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}.${String(ms).padStart(3, '0')}${zone}`)
    : new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms).getTime();
  return Number.isNaN(at) ? undefined : at;
}

/** `printerTime` as ISO 8601 UTC, or undefined. */
export function printerIso(text: string | null | undefined): string | undefined {
  const at = printerTime(text);
  return at === undefined ? undefined : new Date(at).toISOString();
}
