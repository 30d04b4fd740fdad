/**
 * Node flags the agent is started with when Echo launches it (the service unit, the Electron
 * utility process). A 4 MB young-generation semi-space keeps a backlog drain (many short-lived
 * batches) from growing the heap by ~40 MB, at no measurable throughput cost (docs/performance.md).
 */
export const AGENT_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
