/** What the window may do when the page tries to go somewhere, decided without Electron. */
export type NavigationDecision = { action: 'allow' } | { action: 'deny'; openExternally?: string };

/**
 * The window shows the agent's UI and nothing else: navigation stays on the local API's origin
 * under `/ui/`; `https:` links open in the user's browser; everything else (file:, javascript:,
 * other hosts, other paths of the API) is refused.
 */
export function decideNavigation(target: string, apiOrigin: string): NavigationDecision {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return { action: 'deny' };
  }
  if (url.origin === apiOrigin && url.pathname.startsWith('/ui/')) return { action: 'allow' };
  if (url.protocol === 'https:') return { action: 'deny', openExternally: url.toString() };
  return { action: 'deny' };
}

/** `window.open` never makes a new Electron window; an https link goes to the user's browser. */
export function decideWindowOpen(target: string): NavigationDecision {
  const decision = decideNavigation(target, 'null');
  return decision.action === 'allow' ? { action: 'deny' } : decision;
}

/** Camera, microphone, notifications, geolocation…: the operator UI needs none; all are denied. */
export function decidePermission(_permission: string): boolean {
  return false;
}
