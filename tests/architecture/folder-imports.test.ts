import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * The folders of src/ form a directed acyclic graph: a flow may use the shared plumbing (platform, http, hl7, queue,
 * persistence, observability, config, common, identifiers…), the plumbing never imports a flow, and no two folders
 * import each other, even through a third. Type-only imports count too: a cycle of types is still a design cycle.
 */
const SRC = resolve(__dirname, '../../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

function folderOf(path: string): string {
  const rel = relative(SRC, path).split(sep);
  return rel.length > 1 ? rel[0] : '(root)';
}

function folderGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of files(SRC)) {
    const from = folderOf(file);
    const source = readFileSync(file, 'utf8');
    for (const [, spec] of source.matchAll(/(?:import|export)[^'"]*?from\s+'(\.[^']+)'/g)) {
      const to = folderOf(resolve(dirname(file), spec));
      if (to === from || to === '(root)') continue;
      const edges = graph.get(from) ?? new Map<string, string>();
      // Keep one example file per edge, so that a failure says where to look.
      if (!edges.has(to)) edges.set(to, relative(SRC, file));
      graph.set(from, edges);
    }
  }
  return graph;
}

function findCycle(graph: Map<string, Map<string, string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (state.get(next) === 'open') return [...path.slice(path.indexOf(next)), next];
      if (!state.has(next)) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    if (!state.has(node)) {
      const cycle = visit(node);
      if (cycle) return cycle;
    }
  }
  return undefined;
}

describe('folder imports', () => {
  const graph = folderGraph();

  it('have no cycle between folders of src/', () => {
    const cycle = findCycle(graph);
    const where = cycle?.slice(1).map((to, i) => `${cycle[i]} → ${to} (${graph.get(cycle[i])?.get(to)})`);
    expect(where).toBeUndefined();
  });

  it('keep the shared plumbing free of flow imports', () => {
    const flows = ['cdri', 'transport', 'fides', 'roc', 'scor-cp'];
    const plumbing = [...graph.keys()].filter((f) => !flows.includes(f) && f !== 'app' && f !== 'simulators');
    const offending = plumbing.flatMap((from) =>
      [...(graph.get(from) ?? new Map<string, string>())]
        .filter(([to]) => flows.includes(to))
        .map(([to, file]) => `${from} → ${to} (${file})`),
    );
    expect(offending).toEqual([]);
  });

  it('keep the composition root out of every other folder', () => {
    const offending = [...graph].flatMap(([from, edges]) =>
      from !== 'app' && from !== '(root)' && edges.has('app') ? [`${from} → app (${edges.get('app')})`] : [],
    );
    expect(offending).toEqual([]);
  });
});
