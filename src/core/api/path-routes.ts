import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { machineSchema } from '../../shared/config/schema.ts';
import type { AgentPort } from './agent-port.ts';
import { ApiProblem, limitParam, noContent, pathSegment, readJson, send } from './http-io.ts';

/** A machine and the password typed with it (`POST /api/v1/machines`, `PUT …/<name>`). */
export const machineRequest = z.strictObject({
  machine: machineSchema,
  password: z.string().min(1).optional(),
});

const MACHINE = /^\/api\/v1\/machines\/([^/]+)$/;
const MACHINE_PART = /^\/api\/v1\/machines\/([^/]+)\/(captures|jobs)$/;
const ALERT = /^\/api\/v1\/alerts\/(\d+)$/;

/**
 * The routes with a parameter in the path: one machine (`/api/v1/machines/<name>`, its captures
 * and jobs) and one alert. False when the request is none of them.
 */
export async function handlePathRoute(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  agent: AgentPort,
): Promise<boolean> {
  const part = MACHINE_PART.exec(url.pathname);
  if (req.method === 'GET' && part) {
    const name = pathSegment(part[1]!);
    if (part[2] === 'captures') send(res, 200, agent.machineCaptures(name, limitParam(url, 50, 1000)));
    else send(res, 200, agent.machineJobs(name, limitParam(url, 50, 500)));
    return true;
  }
  const alert = ALERT.exec(url.pathname);
  if (req.method === 'DELETE' && alert) {
    if (!agent.clearAlert(Number(alert[1])))
      throw new ApiProblem(404, 'not_found', 'no active alert with that id');
    noContent(res);
    return true;
  }
  const machine = MACHINE.exec(url.pathname);
  if (!machine) return false;
  const name = pathSegment(machine[1]!);
  switch (req.method) {
    case 'GET': {
      const definition = agent.machineDefinition(name);
      if (!definition) throw new ApiProblem(404, 'not_found', 'no machine of that name');
      send(res, 200, definition);
      return true;
    }
    case 'PUT':
      send(res, 200, await updateMachine(req, name, agent));
      return true;
    case 'DELETE':
      if (!(await agent.removeMachine(name))) {
        throw new ApiProblem(404, 'not_found', 'only machines added in the UI can be removed here');
      }
      noContent(res);
      return true;
    default:
      return false;
  }
}

async function updateMachine(req: IncomingMessage, name: string, agent: AgentPort) {
  const input = await readJson(req, machineRequest);
  if (input.machine.name !== name) {
    throw new ApiProblem(
      400,
      'invalid_body',
      `machine.name: must be "${name}" (a machine is renamed by adding it anew)`,
    );
  }
  const definition = agent.machineDefinition(name);
  if (!definition) throw new ApiProblem(404, 'not_found', 'no machine of that name');
  if (definition.origin !== 'ui') {
    const where = definition.origin === 'cloud' ? 'the cloud (its modeler)' : 'the configuration file';
    throw new ApiProblem(409, 'not_editable_here', `${name} is defined in ${where}: change it there`);
  }
  return agent.updateMachine({
    machine: input.machine,
    ...(input.password ? { password: input.password } : {}),
  });
}
