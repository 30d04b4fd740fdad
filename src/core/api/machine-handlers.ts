import type { AgentPort } from './agent-port.ts';
import type { Handlers } from './handler-types.ts';
import { ApiProblem } from './http-io.ts';

type MachineRoutes = 'machines' | 'addMachine' | 'machine' | 'updateMachine' | 'removeMachine';
type MachinePartRoutes = 'machineCaptures' | 'machineJobs' | 'clearAlert';

/** The endpoints of the machines an operator adds, reads, changes and removes, and their records. */
export function machineHandlers(agent: AgentPort): Pick<Handlers, MachineRoutes | MachinePartRoutes> {
  return {
    machines: () => agent.machines(),
    addMachine: ({ body }) =>
      agent.addMachine({ machine: body.machine, ...(body.password ? { password: body.password } : {}) }),
    machine: ({ params }) => {
      const definition = agent.machineDefinition(params.name);
      if (!definition) throw new ApiProblem(404, 'not_found', 'no machine of that name');
      return definition;
    },
    updateMachine: ({ params: { name }, body }) => {
      if (body.machine.name !== name) {
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
        machine: body.machine,
        ...(body.password ? { password: body.password } : {}),
      });
    },
    removeMachine: async ({ params }) => {
      if (!(await agent.removeMachine(params.name))) {
        throw new ApiProblem(404, 'not_found', 'only machines added in the UI can be removed here');
      }
    },
    machineCaptures: ({ params, query }) => agent.machineCaptures(params.name, query.limit),
    machineJobs: ({ params, query }) => agent.machineJobs(params.name, query.limit),
    clearAlert: ({ params }) => {
      if (!agent.clearAlert(params.id))
        throw new ApiProblem(404, 'not_found', 'no active alert with that id');
    },
  };
}
