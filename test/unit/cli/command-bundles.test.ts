import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript (the build runs it before any TypeScript)
import { bundleEntry } from '../../../src/cli/command-bundles.js';

const REPO = join(import.meta.dirname, '../../..');
const IOREDIS_VERSION = (createRequire(import.meta.url)('ioredis/package.json') as { version: string }).version;

/** A folder inside the repository (its node_modules resolve), removed after each test. */
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
function fixture(files: Record<string, string>): string {
  mkdirSync(join(REPO, 'test/.tmp'), { recursive: true });
  const dir = mkdtempSync(join(REPO, 'test/.tmp/bundle-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('the command bundles (build: one file for `asp listen` and `asp simulate`)', () => {
  it('gives a bundled package its own __dirname, wherever the bundle is (ioredis reads its package.json from there)', async () => {
    const dir = fixture({
      'entry.mjs': "import { getPackageMeta } from 'ioredis/built/utils/index.js';\nconsole.log(JSON.stringify(await getPackageMeta()));\n",
    });
    const outfile = join(dir, 'out', 'deeper', 'bundle.mjs');
    await bundleEntry(join(dir, 'entry.mjs'), outfile);
    expect(readFileSync(outfile, 'utf8')).not.toMatch(/\b__dirname\b/);
    const printed = JSON.parse(execFileSync(process.execPath, [outfile], { encoding: 'utf8' })) as { version: string };
    // A wrong or missing __dirname gives "error-fetching-version".
    expect(printed.version).toBe(IOREDIS_VERSION);
  });

  it('refuses to bundle a module that finds files relative to itself (import.meta), and leaves no bundle', async () => {
    const dir = fixture({
      'located.mjs': "export const assets = new URL('./assets/', import.meta.url).href;\n",
      'entry.mjs': "import { assets } from './located.mjs';\nconsole.log(assets);\n",
    });
    const outfile = join(dir, 'bundle.mjs');
    await expect(bundleEntry(join(dir, 'entry.mjs'), outfile)).rejects.toThrow(/located\.mjs.*import\.meta/);
    expect(existsSync(outfile)).toBe(false);
  });

  it('lets through the modules named as resolving the same from the bundle', async () => {
    const dir = fixture({
      'located.mjs': "export const assets = new URL('./assets/', import.meta.url).href;\n",
      'entry.mjs': "import { assets } from './located.mjs';\nconsole.log(assets);\n",
    });
    const outfile = join(dir, 'bundle.mjs');
    await bundleEntry(join(dir, 'entry.mjs'), outfile, [`${dir.slice(REPO.length + 1)}/located.mjs`]);
    expect(execFileSync(process.execPath, [outfile], { encoding: 'utf8' }).trim()).toBe(`file://${dir}/assets/`);
  });
});
