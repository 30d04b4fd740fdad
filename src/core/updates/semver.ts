/**
 * A small version compare for the `/installer/` feed (`"1.2.3"`): `MAJOR.MINOR.PATCH`, an optional
 * `v` in front, a missing minor or patch read as 0 (`"2"`, `"2.1"`), an optional pre-release after
 * `-` (dot-separated; numeric parts compare as numbers and sort before text ones) and build
 * metadata after `+` (ignored, as semver says). A pre-release sorts before its release
 * (`1.2.0-rc.1` < `1.2.0`). Anything else (`"latest"`, `"1.2.3.4"`, `"1.x"`, `""`) is not a
 * version: `parseVersion` answers undefined and the caller leaves the entry out.
 */
export interface Version {
  major: number;
  minor: number;
  patch: number;
  /** Empty for a release. */
  pre: readonly (number | string)[];
}

const VERSION =
  /^v?(0|[1-9]\d{0,8})(?:\.(0|[1-9]\d{0,8}))?(?:\.(0|[1-9]\d{0,8}))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

export function parseVersion(text: string): Version | undefined {
  const match = VERSION.exec(text.trim());
  if (!match) return undefined;
  const pre = match[4] ? match[4].split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part)) : [];
  return {
    major: Number(match[1]),
    minor: Number(match[2] ?? 0),
    patch: Number(match[3] ?? 0),
    pre,
  };
}

/** Negative when a < b, 0 when equal (build metadata aside), positive when a > b. */
export function compareVersions(a: Version, b: Version): number {
  const core = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (core !== 0) return Math.sign(core);
  if (a.pre.length === 0 || b.pre.length === 0) return Math.sign(b.pre.length - a.pre.length);
  for (let i = 0; i < Math.max(a.pre.length, b.pre.length); i++) {
    const x = a.pre[i];
    const y = b.pre[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return Math.sign(x - y);
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/** The canonical spelling (`1.2.0-rc.1`), for logs and the status. */
export function formatVersion(v: Version): string {
  return `${v.major}.${v.minor}.${v.patch}${v.pre.length ? `-${v.pre.join('.')}` : ''}`;
}
