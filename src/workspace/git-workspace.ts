import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { AspError } from '../errors.ts';

const run = promisify(execFile);

/**
 * A task's git workspace. The only module that runs git. Commits carry the
 * identity of the calling process (GIT_AUTHOR_* / GIT_COMMITTER_* and the
 * persona's own HOME/.gitconfig), so each persona commits as itself.
 */
export interface FileChange {
  path: string;
  content: string;
}

export interface NumStat {
  added: number;
  deleted: number;
  files: number;
}

export interface CommitInfo {
  sha: string;
  authorName: string;
  authorEmail: string;
  subject: string;
}

async function git(dir: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await run('git', args, { cwd: dir, env: env ?? process.env, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new AspError('INTERNAL', `git ${args[0]} failed in ${dir}: ${(e.stderr ?? e.message).trim()}`, { cause: err });
  }
}

export class GitWorkspace {
  readonly dir: string;

  /** `root` is the workspace root; `relative` the task's folder under it. */
  constructor(root: string, relative: string) {
    const base = resolve(root);
    const dir = resolve(base, relative);
    if (dir !== base && !dir.startsWith(base + sep)) {
      throw new AspError('JOB_INVALID', `workspace path "${relative}" leaves the workspace root`);
    }
    this.dir = dir;
  }

  async ensureRepo(): Promise<void> {
    if (existsSync(join(this.dir, '.git'))) return;
    await mkdir(this.dir, { recursive: true });
    await git(this.dir, ['init', '-q', '-b', 'main']);
  }

  /** The commit whose message carries `tag`, if a previous attempt already made it. */
  async findCommit(tag: string): Promise<string | null> {
    if (!existsSync(join(this.dir, '.git'))) return null;
    const out = await git(this.dir, ['log', '--all', '--fixed-strings', `--grep=${tag}`, '--format=%H', '-n', '1']).catch(() => '');
    return out.trim() || null;
  }

  /** Writes files and commits them; returns the new commit's sha. */
  async commit(files: readonly FileChange[], message: string): Promise<string> {
    await this.ensureRepo();
    for (const file of files) {
      const target = resolve(this.dir, file.path);
      if (!target.startsWith(this.dir + sep)) throw new AspError('JOB_INVALID', `file path "${file.path}" leaves the workspace`);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, file.content);
    }
    await git(this.dir, ['add', '-A']);
    await git(this.dir, ['commit', '-q', '--allow-empty', '--no-verify', '-m', message]);
    return (await git(this.dir, ['rev-parse', 'HEAD'])).trim();
  }

  /** The current commit, or null in a repository with none yet. */
  async head(): Promise<string | null> {
    const out = await git(this.dir, ['rev-parse', '--verify', '-q', 'HEAD']).catch(() => '');
    return out.trim() || null;
  }

  /** Whether `sha` is a commit of this repository reachable from HEAD and, when `base` is given, descends from it. */
  async containsCommit(sha: string, base: string | null): Promise<boolean> {
    const ok = (args: string[]) =>
      git(this.dir, args).then(
        () => true,
        () => false,
      );
    if (!(await ok(['cat-file', '-e', `${sha}^{commit}`]))) return false;
    if (!(await ok(['merge-base', '--is-ancestor', sha, 'HEAD']))) return false;
    return base === null || ok(['merge-base', '--is-ancestor', base, sha]);
  }

  async author(sha: string): Promise<{ name: string; email: string }> {
    const [name = '', email = ''] = (await git(this.dir, ['show', '-s', '--format=%an%x1f%ae', sha])).trim().split('\x1f');
    return { name, email };
  }

  /** Lines added and deleted by one commit (`git diff --numstat`), or by everything after `base` up to it (null: from the empty repository). */
  async numstat(sha: string, base?: string | null): Promise<NumStat> {
    const parent = base !== undefined ? base : (await git(this.dir, ['rev-list', '--parents', '-n', '1', sha])).trim().split(' ')[1];
    const range = parent ? [parent, sha] : ['4b825dc642cb6eb9a060e54bf8d69288fbee4904', sha];
    const out = await git(this.dir, ['diff', '--numstat', ...range]);
    let added = 0;
    let deleted = 0;
    let files = 0;
    for (const line of out.split('\n')) {
      const [a, d] = line.split('\t');
      if (a === undefined || d === undefined || a === '-') continue;
      added += Number(a);
      deleted += Number(d);
      files++;
    }
    return { added, deleted, files };
  }

  async readFile(path: string): Promise<string> {
    return git(this.dir, ['show', `HEAD:${path}`]);
  }

  async log(): Promise<CommitInfo[]> {
    const out = await git(this.dir, ['log', '--format=%H%x1f%an%x1f%ae%x1f%s']);
    return out
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [sha = '', authorName = '', authorEmail = '', subject = ''] = line.split('\x1f');
        return { sha, authorName, authorEmail, subject };
      });
  }
}

/** Sets the global git identity in the given HOME (what the container entrypoint does). */
export async function configureGitIdentity(home: string, name: string, email: string): Promise<void> {
  await mkdir(home, { recursive: true });
  // A new HOME (every run's listener HOMEs) gets the file those three commands write, at once: no git
  // processes on the way to starting the listeners. Anything else (a .gitconfig already there, a value
  // that git would quote, GIT_CONFIG_GLOBAL pointing elsewhere) goes through git.
  if (PLAIN_VALUE.test(name) && PLAIN_VALUE.test(email) && process.env.GIT_CONFIG_GLOBAL === undefined) {
    try {
      await writeFile(join(home, '.gitconfig'), `[user]\n\tname = ${name}\n\temail = ${email}\n[init]\n\tdefaultBranch = main\n`, { flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const env = { ...process.env, HOME: home };
  await run('git', ['config', '--global', 'user.name', name], { env });
  await run('git', ['config', '--global', 'user.email', email], { env });
  await run('git', ['config', '--global', 'init.defaultBranch', 'main'], { env });
}

/** A config value git writes as it is (no quotes, no escapes). */
const PLAIN_VALUE = /^[A-Za-z0-9@._+-]+( [A-Za-z0-9@._+-]+)*$/;

/**
 * Lets the git of this HOME work in repositories another uid owns (git's
 * "dubious ownership" check): the per-persona listeners share the run's task
 * repositories. Only that persona's own HOME gets the setting.
 */
export async function allowForeignRepositories(home: string): Promise<void> {
  const env = { ...process.env, HOME: home };
  const { stdout } = await run('git', ['config', '--global', '--get-all', 'safe.directory'], { env }).catch(() => ({ stdout: '' }));
  if (!stdout.split('\n').includes('*')) await run('git', ['config', '--global', '--add', 'safe.directory', '*'], { env });
}

export async function gitAvailable(): Promise<boolean> {
  try {
    await run('git', ['--version']);
    return true;
  } catch {
    return false;
  }
}
