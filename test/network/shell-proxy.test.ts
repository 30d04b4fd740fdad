import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { type ParentPortLike, shellProxyResolver } from '../../src/core/cloud/network/shell-proxy.ts';
import { answerProxyRequest } from '../../src/main/proxy-answer.ts';

/** The utility process's port with the desktop app on its other end, answering as main.ts does. */
function portToShell(resolveProxy: (url: string) => Promise<string>): ParentPortLike & { sent: unknown[] } {
  const events = new EventEmitter();
  const sent: unknown[] = [];
  return {
    sent,
    on: (event, listener) => events.on(event, listener),
    postMessage(message) {
      sent.push(message);
      void answerProxyRequest(message, resolveProxy).then((reply) => {
        if (reply) events.emit('message', { data: reply });
      });
    },
  };
}

test("the core asks the desktop app for the system's proxy of each URL, and gets Chromium's PAC answer", async () => {
  const asked: string[] = [];
  const resolver = shellProxyResolver(
    portToShell(async (url) => {
      asked.push(url);
      return url.includes('cloud.example') ? 'PROXY proxy.corp:3128; DIRECT' : 'DIRECT';
    }),
  )!;
  const [a, b] = await Promise.all([
    resolver.resolve('https://cloud.example.com/about/'),
    resolver.resolve('https://events.other.example/commands'),
  ]);
  assert.equal(a, 'PROXY proxy.corp:3128; DIRECT');
  assert.equal(b, 'DIRECT');
  assert.deepEqual(asked, ['https://cloud.example.com/about/', 'https://events.other.example/commands']);
});

test('a shell that fails to resolve answers DIRECT; one that never answers is a timeout, not a hang; headless has no resolver', async () => {
  const failing = shellProxyResolver(
    portToShell(async () => {
      throw new Error('network service not ready');
    }),
  )!;
  assert.equal(await failing.resolve('https://cloud.example.com/'), 'DIRECT');

  const silent: ParentPortLike = { on: () => undefined, postMessage: () => undefined };
  await assert.rejects(
    shellProxyResolver(silent, 50)!.resolve('https://cloud.example.com/'),
    /did not say within 50 ms/,
  );

  assert.equal(shellProxyResolver(undefined), undefined);
});

test('the shell ignores what is not a well-formed proxy request from the core', async () => {
  const resolve = async () => 'PROXY evil:1';
  assert.equal(
    await answerProxyRequest({ type: 'echo:resolve-proxy', id: 1, url: 'file:///etc/passwd' }, resolve),
    undefined,
  );
  assert.equal(await answerProxyRequest({ type: 'other', id: 1, url: 'https://a/' }, resolve), undefined);
  assert.equal(await answerProxyRequest('hello', resolve), undefined);
  assert.deepEqual(
    await answerProxyRequest({ type: 'echo:resolve-proxy', id: 7, url: 'https://a.example/' }, resolve),
    {
      type: 'echo:proxy-resolved',
      id: 7,
      pac: 'PROXY evil:1',
    },
  );
});
