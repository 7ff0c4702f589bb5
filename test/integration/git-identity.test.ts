import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PERSONA_IDENTITIES } from '../../src/personas.ts';
import { configureGitIdentity } from '../../src/workspace/git-workspace.ts';

/** A listener HOME's git identity: written at once in a new HOME, exactly as git's own commands write it. */
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'asp-git-identity-'));
  dirs.push(dir);
  return dir;
}
const git = (home: string, args: string[]) => execFileSync('git', args, { env: { ...process.env, HOME: home, GIT_CONFIG_GLOBAL: join(home, '.gitconfig') }, encoding: 'utf8' }).trim();

describe('configureGitIdentity', () => {
  it.each(Object.values(PERSONA_IDENTITIES))('a new HOME gets the same .gitconfig git itself writes ($gitName)', async ({ gitName, gitEmail }) => {
    const dir = tempDir();
    const ours = join(dir, 'ours');
    const gits = join(dir, 'gits');
    mkdirSync(gits);
    git(gits, ['config', '--global', 'user.name', gitName]);
    git(gits, ['config', '--global', 'user.email', gitEmail]);
    git(gits, ['config', '--global', 'init.defaultBranch', 'main']);
    await configureGitIdentity(ours, gitName, gitEmail);
    expect(readFileSync(join(ours, '.gitconfig'), 'utf8')).toBe(readFileSync(join(gits, '.gitconfig'), 'utf8'));
    expect(git(ours, ['config', '--global', 'user.name'])).toBe(gitName);
    expect(git(ours, ['config', '--global', 'user.email'])).toBe(gitEmail);
  });

  it('keeps what an existing .gitconfig holds, and a value git must quote still reads back as given', async () => {
    const home = tempDir();
    writeFileSync(join(home, '.gitconfig'), '[safe]\n\tdirectory = *\n[user]\n\tname = Someone Else\n');
    await configureGitIdentity(home, 'Alex Dev', 'alex@example.com');
    expect(git(home, ['config', '--global', '--get-all', 'safe.directory'])).toBe('*');
    expect(git(home, ['config', '--global', 'user.name'])).toBe('Alex Dev');
    const quoted = join(home, 'quoted');
    await configureGitIdentity(quoted, 'Ann "the reviewer" O\'Neil; #1', 'ann@example.com');
    expect(git(quoted, ['config', '--global', 'user.name'])).toBe('Ann "the reviewer" O\'Neil; #1');
    expect(git(quoted, ['config', '--global', 'init.defaultBranch'])).toBe('main');
  });
});
