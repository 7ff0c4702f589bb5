import { fileURLToPath } from 'node:url';

/**
 * The command line that starts another `asp` process (listeners, bench
 * workers, memory runs) as this one runs: the compiled entry when this code
 * is the compiled engine, else the launcher (which itself takes dist/ when
 * it is up to date, or the sources through tsx).
 */
const compiled = import.meta.url.endsWith('.js');
export const ASP_ENTRY = fileURLToPath(new URL(compiled ? './entry.js' : './asp.js', import.meta.url));

export function aspCommandLine(args: readonly string[]): [string, string[]] {
  return [process.execPath, [ASP_ENTRY, ...args]];
}
