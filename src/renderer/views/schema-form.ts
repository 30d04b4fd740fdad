import { el } from '../dom.ts';

/** The parts of a JSON Schema (as zod writes them) the form understands. */
export interface FieldSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  anyOf?: FieldSchema[];
  const?: unknown;
  properties?: Record<string, FieldSchema>;
  required?: string[];
  minimum?: number;
  maximum?: number;
}

function label(name: string): string {
  return name
    .replace(/_/g, ' ')
    .replace(/\b(url|mb|kb|tls|ip)\b/g, (unit) => unit.toUpperCase())
    .replace(/^./, (c) => c.toUpperCase());
}

/**
 * Inputs for every field of a collector's `connection` schema, named by their path
 * (`tls.fingerprint`), with the schema's description as help and its default as placeholder.
 * Arrays and unknown shapes are left to the config file.
 */
export function renderFields(schema: FieldSchema, prefix = ''): HTMLElement[] {
  const nodes: HTMLElement[] = [];
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${name}` : name;
    const id = `f-${path.replace(/\./g, '-')}`;
    const required = (schema.required ?? []).includes(name) && field.default === undefined;
    const help = field.description ? el('small', { id: `${id}-help` }, field.description) : undefined;
    const describedBy: Record<string, string> = help ? { 'aria-describedby': `${id}-help` } : {};
    const choices = field.enum ?? field.anyOf?.filter((a) => a.const !== undefined).map((a) => a.const);
    if (field.type === 'object' && field.properties) {
      nodes.push(el('fieldset', {}, el('legend', {}, label(name)), ...renderFields(field, path)));
      continue;
    }
    let input: HTMLElement;
    if (choices && choices.length > 0) {
      const select = el('select', { id, name: path, ...describedBy });
      if (!required)
        select.append(
          el(
            'option',
            { value: '' },
            field.default !== undefined ? `default (${String(field.default)})` : '—',
          ),
        );
      for (const choice of choices) select.append(el('option', { value: String(choice) }, String(choice)));
      input = select;
    } else if (field.type === 'boolean') {
      input = el('input', { id, name: path, type: 'checkbox', 'data-type': 'boolean', ...describedBy });
    } else if (field.type === 'number' || field.type === 'integer') {
      input = el('input', {
        id,
        name: path,
        type: 'number',
        'data-type': 'number',
        ...(field.default !== undefined ? { placeholder: String(field.default) } : {}),
        ...(required ? { required: '' } : {}),
        ...describedBy,
      });
    } else if (field.type === 'string') {
      input = el('input', {
        id,
        name: path,
        ...(field.default !== undefined ? { placeholder: String(field.default) } : {}),
        ...(required ? { required: '' } : {}),
        ...describedBy,
      });
    } else {
      continue;
    }
    nodes.push(el('label', { for: id }, label(name) + (required ? ' (required)' : '')), input);
    if (help) nodes.push(help);
  }
  return nodes;
}

/** The filled fields as a `connection` object: empty fields are left out (the defaults apply). */
export function readFields(form: HTMLFormElement, prefix: string): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  // `[name^=""]` matches nothing (CSS), hence `[name]` for the whole form.
  const selector = prefix ? `[name^="${CSS.escape(prefix)}"]` : '[name]';
  for (const input of form.querySelectorAll<HTMLInputElement | HTMLSelectElement>(selector)) {
    const path = input.name.slice(prefix.length).split('.');
    let raw: unknown;
    if (input instanceof HTMLInputElement && input.dataset.type === 'boolean') {
      if (!input.checked) continue;
      raw = true;
    } else {
      if (input.value === '') continue;
      raw =
        input.dataset.type === 'number'
          ? Number(input.value)
          : /^\d+$/.test(input.value) && input instanceof HTMLSelectElement
            ? Number(input.value)
            : input.value;
    }
    let target = value;
    for (const key of path.slice(0, -1)) {
      target[key] ??= {};
      target = target[key] as Record<string, unknown>;
    }
    target[path[path.length - 1]!] = raw;
  }
  return value;
}

/** Puts values (nested like the schema) into the fields `renderFields` made: editing, not adding. */
export function fillFields(form: HTMLFormElement, values: Record<string, unknown>, prefix = ''): void {
  for (const [key, value] of Object.entries(values)) {
    const path = `${prefix}${key}`;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      fillFields(form, value as Record<string, unknown>, `${path}.`);
      continue;
    }
    const input = form.querySelector<HTMLInputElement | HTMLSelectElement>(`[name="${CSS.escape(path)}"]`);
    if (!input || value === undefined || value === null) continue;
    if (input instanceof HTMLInputElement && input.dataset.type === 'boolean') input.checked = value === true;
    else input.value = String(value);
  }
}
