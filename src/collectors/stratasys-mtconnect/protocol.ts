import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';
import { CollectorError } from '../sdk/collector-error.ts';

/** One observation of an MTConnect streams document (an event, a sample or a condition). */
export interface Observation {
  category: 'Events' | 'Samples' | 'Condition';
  /** The element name: `Execution`, `Program`, `Temperature`, or `Normal`/`Warning`/`Fault`. */
  name: string;
  dataItemId: string;
  component: string;
  sequence: number;
  timestamp: string;
  value: string;
  /** Conditions: the data item type (`SYSTEM`, `TEMPERATURE`…); samples: the subType. */
  type?: string;
  /** The data item's subType as the agent sent it (`ALL`, `TARGET`, `MAIN`, `VERSION`…). */
  subType?: string;
}

const header = z.object({
  instanceId: z.coerce.number().int(),
  firstSequence: z.coerce.number().int(),
  nextSequence: z.coerce.number().int(),
  lastSequence: z.coerce.number().int(),
});

export type StreamsHeader = z.infer<typeof header>;

const CATEGORIES = ['Events', 'Samples', 'Condition'] as const;

const parser = new XMLParser({
  // An MTConnectStreams document is 8 levels deep; a deeper one is a hostile or broken agent.
  maxNestedTags: 32,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  isArray: (name, jpath) =>
    ['DeviceStream', 'ComponentStream', ...CATEGORIES].includes(name) ||
    /\.(Events|Samples|Condition)\.[^.]+$/.test(String(jpath)),
});

/**
 * Reads an `MTConnectStreams` document (the answer to `/current` and `/sample`): its header
 * (instance id and sequence numbers) and every observation, flattened. An `MTConnectError`
 * document or anything else is a protocol error with the agent's own words.
 */
export function parseStreams(
  xml: string,
  where: string,
): { header: StreamsHeader; observations: Observation[] } {
  let document: Record<string, unknown>;
  try {
    document = parser.parse(xml) as Record<string, unknown>;
  } catch (error) {
    throw new CollectorError('protocol', `${where}: the answer is not XML`, error);
  }
  const errorDoc = document.MTConnectError as
    | { Errors?: { Error?: { '#text'?: string; errorCode?: string } } }
    | undefined;
  if (errorDoc) {
    const e = errorDoc.Errors?.Error;
    throw new CollectorError(
      'protocol',
      `${where}: the MTConnect agent answered ${e?.errorCode ?? 'an error'}: ${e?.['#text'] ?? ''}`,
    );
  }
  const streams = document.MTConnectStreams as
    | { Header?: unknown; Streams?: { DeviceStream?: Array<Record<string, unknown>> } }
    | undefined;
  const parsedHeader = header.safeParse(streams?.Header);
  if (!streams || !parsedHeader.success) {
    throw new CollectorError('protocol', `${where}: not an MTConnectStreams document`);
  }
  const observations: Observation[] = [];
  for (const device of streams.Streams?.DeviceStream ?? []) {
    for (const component of (device.ComponentStream as Array<Record<string, unknown>> | undefined) ?? []) {
      const componentName = String(component.name ?? component.component ?? '');
      for (const category of CATEGORIES) {
        for (const group of (component[category] as Array<Record<string, unknown>> | undefined) ?? []) {
          for (const [name, items] of Object.entries(group)) {
            for (const item of items as Array<Record<string, string>>) {
              observations.push({
                category,
                name,
                dataItemId: item.dataItemId ?? '',
                component: componentName,
                sequence: Number(item.sequence),
                timestamp: item.timestamp ?? '',
                value: String(item['#text'] ?? ''),
                ...(item.type ? { type: item.type } : item.subType ? { type: item.subType } : {}),
                ...(item.subType ? { subType: item.subType } : {}),
              });
            }
          }
        }
      }
    }
  }
  observations.sort((a, b) => a.sequence - b.sequence);
  return { header: parsedHeader.data, observations };
}

/** The watermark of a sample window: agent instance and last sequence, fixed width, sortable. */
export function streamReference(instanceId: number, sequence: number): string {
  return `${String(instanceId).padStart(12, '0')}:${String(sequence).padStart(15, '0')}`;
}

export function parseStreamReference(
  reference: string,
): { instanceId: number; sequence: number } | undefined {
  const m = /^(\d{12}):(\d{15})$/.exec(reference);
  return m ? { instanceId: Number(m[1]), sequence: Number(m[2]) } : undefined;
}
