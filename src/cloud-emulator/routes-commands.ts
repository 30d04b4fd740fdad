import type { ServerResponse } from 'node:http';
import { HttpReply, readJson, sendEmpty, sendJson } from './http-helpers.ts';
import type { Route } from './route-context.ts';
import { listResources } from './route-context.ts';
import { commandUpdate } from './schemas.ts';
import type { CommandRecord } from './state.ts';

const UUID = '([0-9a-f-]{36})';
/** The contract's lifecycle: the only legal first report is `processing`, then `complete` or `error`. */
const ALLOWED: Record<string, string[]> = { new: ['processing'], processing: ['complete', 'error'] };

/** Open event streams; a new command is pushed to each (`nautilus.command` topic). */
export const eventStreams = new WeakMap<object, Set<ServerResponse>>();

export function streamsFor(state: object): Set<ServerResponse> {
  let set = eventStreams.get(state);
  if (!set) {
    set = new Set();
    eventStreams.set(state, set);
  }
  return set;
}

export function publishCommand(state: object, command: CommandRecord): void {
  const line = `data: ${JSON.stringify({ topic: 'nautilus.command', payload: command })}\n\n`;
  for (const res of streamsFor(state)) res.write(line);
}

/** `/modeler-command/` and the events stream `GET <events_url>commands`. */
export const commandRoutes: Route[] = [
  {
    method: 'GET',
    pattern: /^\/modeler-command\/$/,
    handle: ({ res, state, query }) => sendJson(res, 200, listResources([...state.commands.values()], query)),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/modeler-command/${UUID}/$`),
    handle({ res, state, params }) {
      const command = state.commands.get(params[0]!);
      if (!command) throw new HttpReply(404, 'not-found', 'The command cannot be found.');
      sendJson(res, 200, command);
    },
  },
  {
    method: 'PUT',
    pattern: new RegExp(`^/modeler-command/${UUID}/$`),
    async handle({ req, res, state, params, faults }) {
      const command = state.commands.get(params[0]!);
      if (!command) throw new HttpReply(404, 'not-found', 'The command cannot be found.');
      const body = await readJson(req, commandUpdate);
      if (!(ALLOWED[command.status] ?? []).includes(body.status)) {
        throw new HttpReply(409, 'invalid-transition', 'The requested status transformation is not allowed.');
      }
      Object.assign(command, body, { updated: new Date().toISOString() });
      state.commandReports.push({ uuid: command.uuid, status: body.status });
      if (faults.lose_command_replies > 0) {
        // Set, but the reply never arrives: the agent cannot know the status was taken.
        faults.lose_command_replies--;
        req.socket.destroy();
        return;
      }
      sendEmpty(res, 204);
    },
  },
  {
    method: 'GET',
    pattern: /^\/events\/commands$/,
    handle({ req, res, state }) {
      if (!(req.headers.accept ?? '').includes('text/event-stream')) {
        throw new HttpReply(
          406,
          'not-acceptable',
          'The events stream answers Accept: text/event-stream only.',
        );
      }
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      res.write(': connected\n\n');
      const streams = streamsFor(state);
      streams.add(res);
      req.on('close', () => streams.delete(res));
    },
  },
];
