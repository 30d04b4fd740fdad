import type { CollectorDefinition } from './collector.ts';

/**
 * The collectors an agent knows. `src/collectors/all.ts` lists every vendor explicitly (no folder
 * scanning, so bundlers and asar stay simple); the shells pass it to the core.
 */
export class CollectorRegistry {
  private readonly byId = new Map<string, CollectorDefinition>();

  constructor(definitions: readonly CollectorDefinition[] = []) {
    for (const definition of definitions) this.register(definition);
  }

  /** Adds a definition made with `defineCollector`; an id registered twice is a bug. */
  register(definition: CollectorDefinition): void {
    if (this.byId.has(definition.id)) throw new Error(`collector "${definition.id}" is registered twice`);
    this.byId.set(definition.id, definition);
  }

  get(id: string): CollectorDefinition | undefined {
    return this.byId.get(id);
  }

  list(): CollectorDefinition[] {
    return [...this.byId.values()];
  }
}
