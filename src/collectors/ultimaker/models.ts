import { lookup } from '../sdk/lookup.ts';

/**
 * The mDNS TXT record `machine` of an Ultimaker is its BOM (bill of materials) number with a
 * revision (`9051.0`), not a model name. These are the BOM numbers Cura's machine definitions list
 * (`bom_numbers` in resources/definitions/ultimaker*.def.json, which Cura's UM3NetworkPrinting
 * plugin matches against the same TXT value by prefix).
 */
const BOM_MODELS: Record<string, string> = {
  '9066': 'Ultimaker 3',
  '9051': 'Ultimaker S5',
  '214475': 'Ultimaker S5',
  '213482': 'Ultimaker S3',
  '5078167': 'UltiMaker S7',
  '5078168': 'UltiMaker S7',
};

/** The model of a TXT `machine` value: a known BOM number's model, else "unknown model (BOM n)". */
export function modelFromBom(machine: string): string {
  const bom = machine.trim().split('.')[0] ?? '';
  return lookup(BOM_MODELS, bom) ?? `unknown model (BOM ${bom || machine})`;
}
