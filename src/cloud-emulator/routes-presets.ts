import { randomUUID } from 'node:crypto';
import { HttpReply, readJson, sendEmpty, sendJson } from './http-helpers.ts';
import type { Route } from './route-context.ts';
import { listResources } from './route-context.ts';
import { presetCreate, presetUpdate } from './schemas.ts';

const UUID = '([0-9a-f-]{36})';

/**
 * `/modeler-printing-preset/`: list (filters), get, create and update. The seed shows no `uri`
 * and no update; the emulator gives each preset a `uri` (the contract's convention) and takes
 * `PUT` with the changed fields, as for every other resource. `name` is unique per modeler (the
 * seed: "unique name and cannot be duplicated"; a preset "can be enabled/disabled on multiple
 * modelers"): a second one is 400, as the seed's duplicate-name error.
 */
export const presetRoutes: Route[] = [
  {
    method: 'GET',
    pattern: /^\/modeler-printing-preset\/$/,
    handle: ({ res, state, query }) => sendJson(res, 200, listResources([...state.presets.values()], query)),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/modeler-printing-preset/${UUID}/$`),
    handle({ res, state, params }) {
      const preset = state.presets.get(params[0]!);
      if (!preset) throw new HttpReply(404, 'not-found', 'The printing preset cannot be found.');
      sendJson(res, 200, preset);
    },
  },
  {
    method: 'POST',
    pattern: /^\/modeler-printing-preset\/$/,
    async handle({ req, res, state, faults }) {
      const body = await readJson(req, presetCreate);
      if (faults.reject_preset_names.includes(body.name))
        throw new HttpReply(400, 'invalid', 'This printing preset is refused (fault plan).');
      for (const preset of state.presets.values()) {
        if (preset.modeler === body.modeler && preset.name === body.name)
          throw new HttpReply(400, 'duplicate-name', 'A printing preset with this name already exists.');
      }
      const uuid = randomUUID();
      const now = new Date().toISOString();
      const preset = {
        uuid,
        uri: state.url(`/modeler-printing-preset/${uuid}/`),
        name: body.name,
        description: body.description ?? '',
        modeler: body.modeler,
        bureau: body.bureau ?? state.bureauUri,
        active: body.active ?? true,
        preset_list: body.preset_list ?? [],
        created: now,
        updated: now,
      };
      state.presets.set(uuid, preset);
      sendEmpty(res, 204, { location: preset.uri });
    },
  },
  {
    method: 'PUT',
    pattern: new RegExp(`^/modeler-printing-preset/${UUID}/$`),
    async handle({ req, res, state, params }) {
      const preset = state.presets.get(params[0]!);
      if (!preset) throw new HttpReply(404, 'not-found', 'The printing preset cannot be found.');
      Object.assign(preset, await readJson(req, presetUpdate), { updated: new Date().toISOString() });
      sendEmpty(res, 204);
    },
  },
];
