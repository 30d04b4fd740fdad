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
