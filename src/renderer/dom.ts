/** Builds an element from text only: nothing the agent or a machine sends is parsed as HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

/** A polite status line for the result of an action, in words. */
export function notice(text: string, kind: 'ok' | 'problem'): HTMLParagraphElement {
  return el('p', { class: `notice ${kind}`, role: kind === 'problem' ? 'alert' : 'status' }, text);
}

/** A table around a body the caller fills (rows with actions, rows added later). */
export function tableOf(
  headers: string[],
  body: HTMLTableSectionElement,
  options: { caption: string; captionVisible?: boolean; class?: string },
): HTMLTableElement {
  return el(
    'table',
    options.class ? { class: options.class } : {},
    el('caption', options.captionVisible ? {} : { class: 'visually-hidden' }, options.caption),
    el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { scope: 'col' }, h)))),
    body,
  );
}

/** A table of text cells with column headers and a caption for screen readers. */
export function dataTable(caption: string, headers: string[], rows: string[][]): HTMLTableElement {
  const body = el('tbody', {}, ...rows.map((cells) => el('tr', {}, ...cells.map((c) => el('td', {}, c)))));
  return tableOf(headers, body, { caption });
}
