import { uptime } from 'node:os';

/**
 * What the host's own clocks say, in real milliseconds (never scaled): how Echo tells "the
 * process did not run" and "the PC was suspended" from "the event loop was busy".
 */
export interface HostProbe {
  /** CLOCK_MONOTONIC (performance.now()): stops while the system is suspended (Linux, macOS). */
  realMs(): number;
  /** Time since boot (os.uptime(): /proc/uptime, CLOCK_BOOTTIME): keeps counting through a suspend. */
  bootMs(): number;
  /** CPU time this process used (user + system, all threads): none while it is stopped. */
  cpuMs(): number;
}

export const realHost: HostProbe = {
  realMs: () => performance.now(),
  bootMs: () => uptime() * 1000,
  cpuMs: () => {
    const used = process.cpuUsage();
    return (used.user + used.system) / 1000;
  },
};
