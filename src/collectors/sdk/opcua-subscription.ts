import {
  AttributeIds,
  type ClientSession,
  type ClientSubscription,
  constructEventFilter,
  type DataValue,
  ClientSubscription as Subscription,
  TimestampsToReturn,
  type Variant,
} from 'node-opcua-client';
import type { CollectorLogger } from './collector.ts';
import type { OpcuaConnectionConfig } from './opcua-config.ts';
import { MODEL_STATE_KEYS } from './opcua-model.ts';
import type { OpcuaReader } from './opcua-reader.ts';
import type { OpcuaEvent, OpcuaMachineSpec } from './opcua-spec.ts';

/**
 * A subscription to the machine's variables (where the reader's plan reads them) and, where the
 * spec asks, to the Server object's events: changes are stored as they arrive, a change of a state
 * variable calls `notify`, each event goes to `onEvent`. Resolves once every item exists.
 */
export async function subscribeMachine(options: {
  session: ClientSession;
  config: OpcuaConnectionConfig;
  spec: OpcuaMachineSpec;
  reader: OpcuaReader;
  logger: CollectorLogger;
  notify: () => void;
  onEvent: (event: OpcuaEvent) => void;
  /** Called as soon as the subscription exists, before its items: the caller terminates it. */
  created: (subscription: ClientSubscription) => void;
}): Promise<void> {
  const { session, config, spec, reader, logger } = options;
  const subscription = await Subscription.create(session, {
    requestedPublishingInterval: config.sampling_interval_ms,
    requestedLifetimeCount: 100,
    requestedMaxKeepAliveCount: 10,
    maxNotificationsPerPublish: 1000,
    publishingEnabled: true,
  });
  options.created(subscription);
  for (const path of reader.plan.active) {
    // `monitor` resolves once the server created the item: events and changes after `connect`
    // returns are then never missed (`ClientMonitoredItem.create` returns before that).
    const item = await subscription.monitor(
      { nodeId: reader.plan.nodeIds[path]!, attributeId: AttributeIds.Value },
      { samplingInterval: config.sampling_interval_ms, queueSize: 1, discardOldest: true },
      TimestampsToReturn.Both,
    );
    item.on('changed', (value: DataValue) => {
      const before = reader.values[path];
      try {
        reader.store(path, value);
      } catch (error) {
        logger.warn({ err: error }, 'a monitored node went bad');
        return;
      }
      const isState = path === spec.stateVariable || MODEL_STATE_KEYS.includes(path);
      if (isState && before !== reader.values[path]) options.notify();
    });
  }
  if (spec.events) {
    const item = await subscription.monitor(
      { nodeId: 'i=2253', attributeId: AttributeIds.EventNotifier },
      {
        samplingInterval: 0,
        queueSize: 1000,
        discardOldest: false,
        filter: constructEventFilter(['Time', 'Message', 'Severity']),
      },
      TimestampsToReturn.Both,
    );
    item.on('changed', (fields: unknown) => {
      const [time, message, severity] = fields as Variant[];
      const when = time?.value instanceof Date ? time.value.toISOString() : new Date().toISOString();
      const text = (message?.value as { text?: string } | null)?.text ?? String(message?.value ?? '');
      options.onEvent({ time: when, message: text, severity: Number(severity?.value ?? 0) });
    });
  }
}
