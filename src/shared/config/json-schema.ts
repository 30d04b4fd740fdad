import { z } from 'zod';
import { configSchema } from './schema.ts';

/** The JSON Schema of the config file (what operators write: defaults are optional). */
export function configJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://echo.local/config.schema.json',
    title: 'Echo agent configuration',
    ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }),
  };
}

type SchemaNode = {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  default?: unknown;
  description?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: SchemaNode[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  required?: string[];
};

/** The configuration reference as a Markdown table, generated from the schema (docs/configuration.md). */
export function configReferenceTable(): string {
  const rows: string[] = ['| key | type | default | meaning |', '|---|---|---|---|'];
  const walk = (node: SchemaNode, path: string, required: boolean) => {
    if (node.properties) {
      if (path) rows.push(row(path, node, required));
      for (const [key, child] of Object.entries(node.properties)) {
        walk(child, path ? `${path}.${key}` : key, node.required?.includes(key) ?? false);
      }
      return;
    }
    if (node.type === 'array' && node.items?.properties) {
      rows.push(row(path, node, required));
      for (const [key, child] of Object.entries(node.items.properties)) {
        walk(child, `${path}[].${key}`, node.items.required?.includes(key) ?? false);
      }
      return;
    }
    rows.push(row(path, node, required));
  };
  walk(configJsonSchema() as SchemaNode, '', true);
  return rows.join('\n');
}

function row(path: string, node: SchemaNode, required: boolean): string {
  const type = node.enum
    ? node.enum.map((v) => `\`${String(v)}\``).join(' \\| ')
    : node.const !== undefined
      ? `\`${String(node.const)}\``
      : node.format === 'uri'
        ? 'URL'
        : String(node.type ?? node.anyOf?.map((a) => a.type).join(' | ') ?? 'object');
  const range =
    node.minimum !== undefined || node.maximum !== undefined
      ? ` (${node.minimum ?? '…'}–${node.maximum ?? '…'})`
      : '';
  const fallback =
    node.default === undefined ? (required ? '**required**' : '') : `\`${JSON.stringify(node.default)}\``;
  const shown = typeof node.default === 'object' && node.default !== null ? 'see below' : fallback;
  return `| \`${path}\` | ${type}${range} | ${shown} | ${(node.description ?? '').replace(/\|/g, '\\|')} |`;
}
