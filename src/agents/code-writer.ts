import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FileChange } from '../workspace/git-workspace.ts';
import type { Random } from '../prng.ts';

const LINES_PER_FILE = 250;

/** Source files totalling exactly `lines` lines, each line unique, for a task's change. */
export function generateSource(random: Random, taskId: string, lines: number): FileChange[] {
  const files: FileChange[] = [];
  const ident = taskId.replace(/[^a-z0-9]/g, '_');
  for (let start = 0, part = 1; start < lines; start += LINES_PER_FILE, part++) {
    const n = Math.min(LINES_PER_FILE, lines - start);
    const body: string[] = [];
    for (let i = 0; i < n; i++) {
      body.push(`export const ${ident}_p${part}_${start + i + 1} = ${Math.floor(random.next() * 1e9)};`);
    }
    files.push({ path: `src/${taskId}/module-${part}.ts`, content: `${body.join('\n')}\n` });
  }
  return files;
}

/** Rewrites `count` lines of one existing module file (a fix): numstat shows them as modified. */
export function modifyLines(
  random: Random,
  taskDir: string,
  taskId: string,
  count: number,
  tag: string,
  /** Contents already changed by earlier fixes of the same step, by path. */
  pending: Map<string, string>,
): void {
  const dir = join(taskDir, 'src', taskId);
  if (!existsSync(dir)) return;
  const modules = readdirSync(dir)
    .filter((f) => f.startsWith('module-'))
    .sort();
  if (modules.length === 0) return;
  const file = random.pick(modules);
  const path = `src/${taskId}/${file}`;
  const lines = (pending.get(path) ?? readFileSync(join(dir, file), 'utf8')).split('\n');
  const usable = lines.length - 1;
  const first = random.int(0, Math.max(0, usable - count));
  for (let i = first; i < Math.min(usable, first + count); i++) {
    lines[i] = `${lines[i]?.replace(/ \/\/ fix .*$/, '')} // fix ${tag}`;
  }
  pending.set(path, lines.join('\n'));
}
