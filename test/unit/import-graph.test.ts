import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * No import circle in src/, type-only imports included. The lint's
 * import-x/no-cycle skips `import type` (a type-only circle compiles away),
 * but such a circle still ties two rooms together: the shared types belong
 * in the lower one. Same check as `npx madge --circular --extensions ts src`.
 */
const SRC = resolve(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return /\.(ts|js)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Relative specifiers of every import, `export … from` and `import()` of a file, types included. */
function importsOf(text: string): string[] {
  const out: string[] = [];
  const patterns = [/^\s*(?:import|export)\s[^'"]*?\sfrom\s+['"](\.[^'"]+)['"]/gm, /^\s*import\s+['"](\.[^'"]+)['"]/gm, /\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g];
  for (const re of patterns) for (const m of text.matchAll(re)) out.push(m[1]!);
  return out;
}

/** Every circle of a graph (one per strongly connected component), as a path that starts and ends at one file. */
function findCircles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const circles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') circles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return circles;
}

describe('the import graph of src/', () => {
  it('finds circles, type-only ones included (the check can fail)', () => {
    expect(importsOf("import type { A } from './a.ts';\nimport { b } from '../b.ts';\nexport type { C } from './c.ts';\nconst d = await import('./d.ts');\nimport 'node:fs';")).toEqual([
      './a.ts',
      '../b.ts',
      './c.ts',
      './d.ts',
    ]);
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(findCircles(graph)).toEqual([['a', 'b', 'c', 'a']]);
  });

  it('has no circle', () => {
    const files = sourceFiles(SRC);
    const graph = new Map(files.map((f) => [relative(SRC, f), importsOf(readFileSync(f, 'utf8')).map((s) => relative(SRC, resolve(dirname(f), s)))]));
    expect(files.length).toBeGreaterThan(100);
    expect([...graph.values()].flat().length).toBeGreaterThan(500);
    expect(findCircles(graph).map((c) => c.join(' > '))).toEqual([]);
  });
});
