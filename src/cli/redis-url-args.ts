import { readFileSync } from 'node:fs';
import { usageError } from './command-io.ts';

/**
 * Redis credentials on the command line. `--redis-url-file <file>` reads the
 * URL from a file (so the password never appears in `ps`) and is turned into
 * `--redis <url>` in memory for the command; a password given with `--redis`
 * itself is hidden from `ps` by asp.js as soon as the process starts, and
 * earns a warning (it was visible until then, and stays in shell history).
 */
export function resolveRedisUrlArgs(argv: readonly string[], warn: (text: string) => void): string[] {
  hidePasswordsFromPs();
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const inline = arg.startsWith('--redis-url-file=') ? arg.slice('--redis-url-file='.length) : undefined;
    if (arg === '--redis-url-file' || inline !== undefined) {
      const file = inline ?? argv[++i];
      if (!file) throw usageError('--redis-url-file needs a file name', 'e.g. --redis-url-file ~/.config/asp/redis-url (one line: redis://user:password@host:6379)');
      out.push('--redis', readUrlFile(file));
      continue;
    }
    const url = arg === '--redis' ? argv[i + 1] : arg.startsWith('--redis=') ? arg.slice('--redis='.length) : undefined;
    if (url !== undefined && hasPassword(url)) {
      warn('warning: a password given with --redis is visible to other users of this machine (ps, shell history) until the command starts; use --redis-url-file <file> or REDIS_URL instead\n');
    }
    out.push(arg);
  }
  return out;
}

/**
 * Rewrites this process's command line (what `ps` and /proc/<pid>/cmdline
 * show) with Redis URL passwords masked. src/cli/asp.js does the same before
 * anything loads; this covers the compiled entry (dist/cli/entry.js) that
 * spawned `asp` processes start directly.
 */
function hidePasswordsFromPs(): void {
  const shown = process.argv.slice(2).map((a) => a.replace(/(rediss?:\/\/[^:@/\s]*:)[^@/\s]+@/g, '$1***@'));
  if (shown.some((a, i) => a !== process.argv[i + 2])) process.title = ['asp', ...shown].join(' ');
}

function readUrlFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw usageError(`cannot read --redis-url-file ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, 'the file holds one line: redis://user:password@host:6379');
  }
  if (!URL.canParse(text) || !/^rediss?:$/.test(new URL(text).protocol)) {
    throw usageError(`--redis-url-file ${file} does not hold a redis:// URL`, 'the file holds one line: redis://user:password@host:6379');
  }
  return text;
}

function hasPassword(url: string): boolean {
  return URL.canParse(url) && new URL(url).password !== '';
}
