import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript (the launcher's helper runs before any TypeScript)
import { distState } from '../../../src/cli/dist-build.js';

/** A checkout in a temp folder: src/, tsconfig.json and a dist/ built at `builtAt`. */
function checkout(builtAt: Date): string {
  const root = mkdtempSync(join(tmpdir(), 'asp-dist-'));
  mkdirSync(join(root, 'src', 'cli'), { recursive: true });
  mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
  const old = new Date(builtAt.getTime() - 60_000);
  for (const f of ['src/cli/main.ts', 'tsconfig.json']) {
    writeFileSync(join(root, f), '// source\n');
    utimesSync(join(root, f), old, old);
  }
  writeFileSync(join(root, 'dist', 'cli', 'entry.js'), '// compiled\n');
  writeFileSync(join(root, 'dist', '.build-stamp'), 'built\n');
  utimesSync(join(root, 'dist', '.build-stamp'), builtAt, builtAt);
  return root;
}

describe('dist freshness (the launcher runs dist/ only when it is up to date)', () => {
  const roots: string[] = [];
  afterEach(() => roots.splice(0).forEach((r) => rmSync(r, { recursive: true, force: true })));
  const make = (builtAt = new Date(Date.now() - 10_000)) => {
    const root = checkout(builtAt);
    roots.push(root);
    return root;
  };

  it('is fresh when the build is newer than every source', () => {
    expect(distState(make())).toBe('fresh');
  });

  it('is stale when a source file (at any depth) was saved after the build', () => {
    const root = make();
    mkdirSync(join(root, 'src', 'queue'));
    writeFileSync(join(root, 'src', 'queue', 'new-file.ts'), '// edited\n');
    expect(distState(root)).toBe('stale');
  });

  it('is stale when a tsconfig changed after the build', () => {
    const root = make();
    writeFileSync(join(root, 'tsconfig.json'), '{}\n');
    expect(distState(root)).toBe('stale');
  });

  it('is stale without a build stamp (an interrupted build) and missing without the entry', () => {
    const root = make();
    rmSync(join(root, 'dist', '.build-stamp'));
    expect(distState(root)).toBe('stale');
    rmSync(join(root, 'dist', 'cli', 'entry.js'));
    expect(distState(root)).toBe('missing');
  });

  it('is fresh without src/ (the Docker image ships dist/ only)', () => {
    const root = make();
    rmSync(join(root, 'src'), { recursive: true });
    expect(distState(root)).toBe('fresh');
  });
});
