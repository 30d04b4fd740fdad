/// <reference lib="dom" />
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { allCollectors } from '../src/collectors/all.ts';
import { Agent } from '../src/core/agent.ts';
import { type Fleet, fleetConfig, startChild, stopChild, workDir } from './shared.ts';

export interface UiFigure {
  machines: number;
  /** From navigation start to every tile on screen, ms. */
  firstRenderMs: number;
  /** Where the first render went: the page's script ran, the first status arrived, tiles drawn. */
  pageReadyMs: number;
  firstStatusMs: number;
  drawnMs: number;
  /** Baseline: the same number of tiles as static HTML, same browser, ms. */
  staticRenderMs: number;
  /** Long tasks (> 50 ms) while every tile updates each second, over the window. */
  longTasks: number;
  longestTaskMs: number;
  /** Animation frames over 50 ms (script, style, layout and paint together). */
  longFrames: number;
  longestFrameMs: number;
  windowSeconds: number;
}

const WINDOW_MS = 10_000;

/**
 * The dashboard with 500 live machines (the fan-out fleet: real simulators, the real agent, the
 * real UI in Debian's Chromium): time to the first full render, and long tasks while the event
 * stream updates every tile each second. Baseline: 500 static tiles of the same markup and CSS.
 */
export async function benchUi(machines = 500): Promise<UiFigure> {
  const { child, first } = await startChild('fleet-process.ts', [String(machines)]);
  const fleet = JSON.parse(first) as Fleet;
  const dataDir = workDir('ui');
  const config = fleetConfig(fleet, 'bench-ui', dataDir);
  const agent = await Agent.start({ config, collectors: allCollectors() });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
  try {
    while (agent.machines().some((m) => (m.live?.polls ?? 0) < 1))
      await new Promise((r) => setTimeout(r, 250));
    const api = JSON.parse(readFileSync(join(dataDir, 'api.json'), 'utf8')) as { url: string; token: string };
    // Run from source, the core bundles the UI on its first request; the installed app serves
    // it prebuilt. Warm it so the figure is the browser's.
    await fetch(`${api.url}/ui/app.js`).then((r) => r.arrayBuffer());
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.addInitScript(() => {
      const w = window as unknown as { __long: number[]; __frames: number[] };
      w.__long = [];
      w.__frames = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) w.__long.push(entry.duration);
      }).observe({ type: 'longtask', buffered: true });
      // Long animation frames include style, layout and paint: the frame budget as users feel it.
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) w.__frames.push(entry.duration);
      }).observe({ type: 'long-animation-frame', buffered: true });
    });
    await page.addInitScript(watchTiles(machines));
    await page.goto(`${api.url}/ui/#token=${api.token}`);
    await page.waitForFunction(() => (window as unknown as TileWatch).__fullAt !== undefined, undefined, {
      timeout: 60_000,
    });
    const firstRenderMs = await page.evaluate(() => (window as unknown as TileWatch).__fullAt ?? 0);
    // No named functions inside: tsx would wrap them in a helper the page does not have.
    const marks = await page.evaluate(() => ({
      pageReadyMs: (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming)
        .domContentLoadedEventEnd,
      firstStatusMs: performance.getEntriesByName('echo:first-status')[0]?.startTime ?? Number.NaN,
      drawnMs: performance.getEntriesByName('echo:first-render')[0]?.startTime ?? Number.NaN,
    }));
    await page.evaluate(() => {
      const w = window as unknown as { __long: number[]; __frames: number[] };
      w.__long = [];
      w.__frames = [];
    });
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const long = await page.evaluate(() => (window as unknown as { __long: number[] }).__long);
    const frames = await page.evaluate(() => (window as unknown as { __frames: number[] }).__frames);

    const staticRenderMs = await staticBaseline(browser, machines);
    return {
      machines,
      firstRenderMs,
      ...marks,
      staticRenderMs,
      longTasks: long.length,
      longestTaskMs: long.length > 0 ? Math.max(...long) : 0,
      longFrames: frames.length,
      longestFrameMs: frames.length > 0 ? Math.max(...frames) : 0,
      windowSeconds: WINDOW_MS / 1000,
    };
  } finally {
    await browser.close();
    await agent.stop();
    await stopChild(child);
  }
}

interface TileWatch {
  __fullAt?: number;
}

/**
 * In the page: the time of the first animation frame with every tile in the document, taken by
 * the page itself (asking from the bench process would add its own delay: it also runs the agent
 * polling 500 machines).
 */
function watchTiles(count: number): string {
  // A string: tsx would wrap a function's inner names in a helper the page does not have.
  return `(() => {
    const check = () => {
      if (document.querySelectorAll('.tile').length >= ${count}) {
        window.__fullAt = performance.now();
        return;
      }
      requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  })();`;
}

/** The same tiles as static HTML with the same stylesheet, served locally: the browser's floor. */
async function staticBaseline(browser: import('playwright-core').Browser, machines: number): Promise<number> {
  const css = readFileSync(join(import.meta.dirname, '..', 'src', 'renderer', 'styles.css'));
  const tile = (i: number) =>
    `<li class="tile"><h3>um-${i}</h3><p class="meta">ultimaker · seen 0 s ago</p><span class="badge">Idle</span><ul class="gauges"><li>bed temperature: 22 °C</li><li>nozzle 1 temperature: 22 °C</li></ul></li>`;
  const html = `<!doctype html><html><head><link rel="stylesheet" href="/s.css"></head><body><main><ul class="tiles">${Array.from({ length: machines }, (_, i) => tile(i)).join('')}</ul></main></body></html>`;
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': req.url === '/s.css' ? 'text/css' : 'text/html' });
    res.end(req.url === '/s.css' ? css : html);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.addInitScript(watchTiles(machines));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => (window as unknown as TileWatch).__fullAt !== undefined);
    return await page.evaluate(() => (window as unknown as TileWatch).__fullAt ?? 0);
  } finally {
    server.close();
  }
}
