// The layer rules of docs/architecture.md as data, and the check that applies them to the import
// graph of src/ (product code; *.test.ts files may import what they test). Imports are read with
// TypeScript's parser: static `import`/`export … from`, side-effect `import '…'`, dynamic
// `import('…')` with a literal path, and a type's `import('…')`. A dynamic import with a computed
// path is not seen: that is how the CLI loads the emulator and simulators from a checkout
// (src/cli/checkout.ts).
import { isBuiltin } from 'node:module';
import { posix } from 'node:path';
import ts from 'typescript';
import { findFileCycles } from './file-cycles.ts';

/** Where a file sits, as the rules name it. */
export type Area =
  | 'shared'
  | 'core'
  | 'core-entry'
  | 'cli'
  | 'main'
  | 'preload'
  | 'renderer'
  | 'collectors-sdk'
  | 'collectors-registry'
  | 'collector'
  | 'cloud-emulator'
  | 'other';

/**
 * What each area may import from src/ (`own` is the same vendor folder). The registry,
 * src/collectors/all.ts, is imported by the composition root (src/cli/), never by the core.
 */
export const MAY_IMPORT: Record<Area, readonly (Area | 'own')[]> = {
  shared: ['shared'],
  core: ['shared', 'core', 'core-entry', 'collectors-sdk'],
  'core-entry': ['shared', 'core', 'core-entry', 'collectors-sdk'],
  cli: ['shared', 'cli', 'core-entry', 'collectors-registry', 'cloud-emulator'],
  main: ['shared', 'main', 'core-entry'],
  preload: ['shared', 'preload'],
  renderer: ['shared', 'renderer'],
  'collectors-sdk': ['shared', 'collectors-sdk'],
  collector: ['shared', 'collectors-sdk', 'own'],
  'collectors-registry': ['shared', 'collectors-sdk', 'collector', 'collectors-registry'],
  'cloud-emulator': ['shared', 'cloud-emulator'],
  other: [],
};

/** npm packages an area must not import (Electron only in the desktop shell). */
export const FORBIDDEN_PACKAGES: Partial<Record<Area, readonly string[]>> = {
  shared: ['electron'],
  core: ['electron'],
  'core-entry': ['electron'],
  cli: ['electron'],
  renderer: ['electron'],
  'collectors-sdk': ['electron'],
  collector: ['electron'],
  'collectors-registry': ['electron'],
  'cloud-emulator': ['electron'],
};

/**
 * The floors of the core, lowest first: a core file imports only from its own floor or below,
 * and the folders of one floor import each other without a cycle. The files at the core's root
 * not named here are the agent's wiring, the top floor.
 */
export const CORE_FLOORS: readonly (readonly string[])[] = [
  ['clock.ts', 'database-file.ts', 'owner-only.ts', 'version.ts', 'runtime-flags.ts'],
  ['config/', 'secrets/'],
  ['store/', 'logging/', 'host/', 'cloud/'],
  ['collection/', 'sync/', 'updates/'],
  ['commands/'],
  ['api/'],
];

/**
 * Areas whose code runs in the operator UI's page too (a browser, or Electron's sandboxed
 * renderer): no Node built-in. Node globals such as Buffer are caught by the renderer's tsconfig,
 * which has no Node types.
 */
export const BROWSER_SAFE: readonly Area[] = ['shared', 'renderer'];

const CORE = 'src/core/';
const CORE_ENTRIES = new Set(['src/core/index.ts', 'src/core/desktop.ts']);

export function areaOf(path: string): Area {
  if (CORE_ENTRIES.has(path)) return 'core-entry';
  const [top, sub, ...rest] = path.split('/').slice(1);
  if (top === 'collectors') {
    if (sub === 'sdk') return 'collectors-sdk';
    return rest.length === 0 ? 'collectors-registry' : 'collector';
  }
  const simple: Record<string, Area> = {
    shared: 'shared',
    core: 'core',
    cli: 'cli',
    main: 'main',
    preload: 'preload',
    renderer: 'renderer',
    'cloud-emulator': 'cloud-emulator',
  };
  return (top !== undefined && simple[top]) || 'other';
}

/** A core file's floor (0 lowest) and its folder, the node of the cycle check. */
export function coreFloor(path: string): { floor: number; folder: string } {
  const inCore = path.slice(CORE.length);
  const slash = inCore.indexOf('/');
  const folder = slash === -1 ? inCore : inCore.slice(0, slash + 1);
  const floor = CORE_FLOORS.findIndex((names) => names.includes(folder));
  if (floor !== -1) return { floor, folder: slash === -1 ? '(base)' : folder };
  return { floor: CORE_FLOORS.length, folder: '(wiring)' };
}

/**
 * The module specifiers a file names, in order, read by TypeScript's parser (so an import quoted
 * in a comment or a string is not one). Type-only imports count: the rules are about which code
 * knows which, and a type ties two files together as much as a value does.
 */
export function importsOf(text: string): string[] {
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      specifiers.push(node.arguments[0].text);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      specifiers.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile('scanned.ts', text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS));
  return specifiers;
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** Every broken rule, one sentence each; `files` maps a path from the repository root to its text. */
export function checkLayers(files: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  const folderEdges = new Map<string, Set<string>>();
  const fileEdges = new Map<string, Set<string>>();
  for (const [from, text] of files) {
    const area = areaOf(from);
    const imported = new Set<string>();
    fileEdges.set(from, imported);
    for (const specifier of importsOf(text)) {
      // A path (relative, absolute or a file: URL) names a file; anything else is a package.
      const isPath = specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:');
      if (!isPath) {
        if (FORBIDDEN_PACKAGES[area]?.includes(packageName(specifier)))
          problems.push(`${from} imports ${specifier} (${area} must not)`);
        if (BROWSER_SAFE.includes(area) && isBuiltin(specifier))
          problems.push(`${from} imports ${specifier}: ${area} runs in the UI's page too (no Node built-in)`);
        continue;
      }
      const to = specifier.startsWith('.')
        ? posix.normalize(posix.join(posix.dirname(from), specifier))
        : specifier;
      if (!to.startsWith('src/')) {
        problems.push(
          `${from} imports ${to}: outside src/ (product code imports src/, packages, node: built-ins)`,
        );
        continue;
      }
      imported.add(resolve(files, to));
      const target = areaOf(to);
      const own = target === 'collector' && to.split('/')[2] === from.split('/')[2];
      const allowed = MAY_IMPORT[area];
      if (!allowed.includes(target) && !(own && area === 'collector' && allowed.includes('own')))
        problems.push(`${from} imports ${to} (${area} may import ${allowed.join(', ')})`);
      if (from.startsWith(CORE) && to.startsWith(CORE)) {
        const a = coreFloor(from);
        const b = coreFloor(to);
        if (b.floor > a.floor) problems.push(`${from} imports ${to}: up a floor (${a.folder} < ${b.folder})`);
        if (a.folder !== b.folder) {
          const edges = folderEdges.get(a.folder) ?? new Set<string>();
          folderEdges.set(a.folder, edges.add(b.folder));
        }
      }
    }
  }
  return [
    ...problems,
    ...findCycles(folderEdges).map((c) => `core folders import in a cycle: ${c.join(' → ')}`),
    ...findFileCycles(fileEdges).map((c) => `files import each other in a cycle: ${c.join(' → ')}`),
  ];
}

/** The file a relative import names: as written (`.ts`), or its `.ts` for a `.js`, or a folder's `index.ts`. */
function resolve(files: ReadonlyMap<string, string>, path: string): string {
  const candidates = [path, path.replace(/\.js$/, '.ts'), `${path}.ts`, `${path}/index.ts`];
  return candidates.find((candidate) => files.has(candidate)) ?? path;
}

/** Each cycle once, found by a depth-first walk of the folder graph. */
function findCycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const walk = (node: string, path: string[]): void => {
    const at = path.indexOf(node);
    if (at !== -1) {
      cycles.push([...path.slice(at), node]);
      return;
    }
    if (done.has(node)) return;
    for (const next of edges.get(node) ?? []) walk(next, [...path, node]);
    done.add(node);
  };
  for (const node of edges.keys()) walk(node, []);
  return cycles;
}
