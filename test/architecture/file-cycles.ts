// The file-level cycle rule of docs/architecture.md: no file of src/ reaches itself again through
// its imports. A cycle of value imports makes the evaluation order of its modules depend on which
// one is loaded first, so a top-level `const` read across it can be in its temporal dead zone (a
// ReferenceError at load, in the bundle or under tsx, depending on the entry). Type-only imports
// count too: src/ has no type-only cycle, and one would still be two files that each need the other.

/** A graph of files: the files each one imports, as paths from the repository root. */
export type FileGraph = ReadonlyMap<string, ReadonlySet<string>>;

/**
 * One cycle for each group of files that import each other (a strongly connected component
 * with more than one file, or a file that imports itself), as a path that ends where it started;
 * the shortest such path from the group's first file in sorted order, so a report is stable.
 */
export function findFileCycles(graph: FileGraph): string[][] {
  return stronglyConnected(graph)
    .filter((group) => group.length > 1 || graph.get(group[0] ?? '')?.has(group[0] ?? ''))
    .map((group) => shortestCycle(graph, new Set(group), [...group].sort()[0] ?? ''));
}

/** Tarjan's algorithm, iterative so that a long import chain cannot overflow the stack. */
function stronglyConnected(graph: FileGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const groups: string[][] = [];
  let next = 0;
  for (const root of graph.keys()) {
    if (index.has(root)) continue;
    const work: { node: string; edges: Iterator<string> }[] = [];
    const enter = (node: string): void => {
      index.set(node, next);
      low.set(node, next);
      next += 1;
      stack.push(node);
      onStack.add(node);
      work.push({ node, edges: (graph.get(node) ?? new Set<string>()).values() });
    };
    enter(root);
    while (work.length > 0) {
      const top = work[work.length - 1] as (typeof work)[number];
      const step = top.edges.next();
      if (!step.done) {
        const to = step.value;
        if (!index.has(to)) enter(to);
        else if (onStack.has(to))
          low.set(top.node, Math.min(low.get(top.node) as number, index.get(to) as number));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(top.node) as number));
      if (low.get(top.node) !== index.get(top.node)) continue;
      const group: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        group.push(member);
      } while (member !== top.node);
      groups.push(group);
    }
  }
  return groups;
}

/** A breadth-first search inside one group, from `start` back to it. */
function shortestCycle(graph: FileGraph, group: ReadonlySet<string>, start: string): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (let at = 0; at < queue.length; at += 1) {
    const node = queue[at] as string;
    for (const to of [...(graph.get(node) ?? [])].sort()) {
      if (!group.has(to)) continue;
      if (to === start) {
        const path = [start];
        for (
          let back: string | undefined = node;
          back !== undefined && back !== start;
          back = cameFrom.get(back)
        )
          path.splice(1, 0, back);
        return [...path, start];
      }
      if (!cameFrom.has(to)) {
        cameFrom.set(to, node);
        queue.push(to);
      }
    }
  }
  return [start, start];
}
