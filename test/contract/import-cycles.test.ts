import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_ROOT } from '../../src/paths';

/**
 * The layering of src/, checked rather than hoped for: no two folders of src/modules
 * import each other, directly or through others (a cycle means a shared piece belongs
 * one layer down), and src/common imports nothing from src/modules. Relative imports
 * only (import/export ... from '...'), resolved to the folder they land in.
 */
type Sources = ReadonlyMap<string, string>; // path relative to src/ -> file text

const SPECIFIER = /\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]|\bimport\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

function readSources(dir: string, base = dir, out = new Map<string, string>()): Map<string, string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) readSources(full, base, out);
    else if (entry.name.endsWith('.ts')) out.set(path.relative(base, full).split(path.sep).join('/'), readFileSync(full, 'utf8'));
  }
  return out;
}

/** The file a relative specifier names (`./x` -> `x.ts` or `x/index.ts`), or the bare path when nothing matches. */
function resolveImport(from: string, specifier: string, sources: Sources): string {
  const target = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  return [`${target}.ts`, `${target}/index.ts`, target].find((c) => sources.has(c)) ?? target;
}

/** `modules/auth/dto/x.ts` -> `auth`; null outside src/modules. */
function moduleFolderOf(file: string): string | null {
  const parts = file.split('/');
  return parts[0] === 'modules' && parts.length > 2 ? parts[1] : null;
}

interface Edge {
  readonly from: string;
  readonly to: string;
  /** One import that makes the edge, for the failure message. */
  readonly via: string;
}

function analyse(sources: Sources): { cycles: string[]; commonIntoModules: string[] } {
  const edges = new Map<string, Edge>();
  const commonIntoModules: string[] = [];
  for (const [file, text] of sources) {
    for (const m of text.matchAll(SPECIFIER)) {
      const target = resolveImport(file, m[1] ?? m[2], sources);
      if (file.startsWith('common/') && target.startsWith('modules/')) commonIntoModules.push(`${file} -> ${target}`);
      const from = moduleFolderOf(file);
      const to = moduleFolderOf(target);
      if (from && to && from !== to && !edges.has(`${from}>${to}`)) edges.set(`${from}>${to}`, { from, to, via: `${file} -> ${target}` });
    }
  }
  return { cycles: findCycles([...edges.values()]), commonIntoModules };
}

/** One cycle per strongly connected component (Tarjan), as `a -> b -> a` with the imports that close it. */
function findCycles(edges: readonly Edge[]): string[] {
  const next = new Map<string, Edge[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    for (const { to } of next.get(v) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(v, Math.min(low.get(v)!, low.get(to)!));
      } else if (stack.includes(to)) low.set(v, Math.min(low.get(v)!, index.get(to)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        component.push(w);
      } while (w !== v);
      if (component.length > 1) components.push(component);
    }
  };
  for (const v of new Set(edges.flatMap((e) => [e.from, e.to]))) if (!index.has(v)) visit(v);
  return components.map((component) => describeCycle(component, next));
}

/** A shortest way round the component from its first folder back to itself, with the import of each step. */
function describeCycle(component: readonly string[], next: ReadonlyMap<string, Edge[]>): string {
  const inside = new Set(component);
  const start = [...component].sort()[0];
  const cameBy = new Map<string, Edge>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const e of next.get(v) ?? []) {
      if (!inside.has(e.to) || cameBy.has(e.to)) continue;
      cameBy.set(e.to, e);
      if (e.to === start) queue.length = 0;
      else queue.push(e.to);
    }
  }
  const steps: Edge[] = [];
  for (let at = start; ; ) {
    const e = cameBy.get(at)!;
    steps.unshift(e);
    at = e.from;
    if (at === start) break;
  }
  const members = component.length > steps.length ? ` (one of the cycles among ${[...component].sort().join(', ')})` : '';
  return `${[start, ...steps.map((s) => s.to)].join(' -> ')}${members}\n${steps.map((s) => `    ${s.via}`).join('\n')}`;
}

describe('import layering of src/', () => {
  const srcDir = path.join(APP_ROOT, 'src');

  it('has no cycle between folders of src/modules', () => {
    expect(existsSync(srcDir) && statSync(srcDir).isDirectory()).toBe(true);
    const { cycles } = analyse(readSources(srcDir));
    expect(cycles, `import cycles between module folders:\n${cycles.join('\n')}`).toEqual([]);
  });

  it('has nothing in src/common importing from src/modules', () => {
    const { commonIntoModules } = analyse(readSources(srcDir));
    expect(commonIntoModules).toEqual([]);
  });

  it('reports a cycle, with its path and imports, and common reaching into modules', () => {
    const sources = new Map([
      ['modules/a/a.service.ts', "import { B } from '../b/b.service';"],
      ['modules/b/b.service.ts', "import type { C } from '../c/dto/c.dto';\nexport const B = 1;"],
      ['modules/c/dto/c.dto.ts', "export { A } from '../../a/a.service';"],
      ['modules/d/d.ts', "import { B } from '../b/b.service';"],
      ['common/x.ts', "import { D } from '../modules/d/d';"],
    ]);
    const { cycles, commonIntoModules } = analyse(sources);
    expect(cycles).toEqual([
      'a -> b -> c -> a\n    modules/a/a.service.ts -> modules/b/b.service.ts\n    modules/b/b.service.ts -> modules/c/dto/c.dto.ts\n    modules/c/dto/c.dto.ts -> modules/a/a.service.ts',
    ]);
    expect(commonIntoModules).toEqual(['common/x.ts -> modules/d/d.ts']);
  });
});
