import { isIP } from 'node:net';

/**
 * DNS rebinding guard of the admin server: a page on evil.example whose name
 * is made to resolve to 127.0.0.1 reaches the dashboard with `Host:
 * evil.example`. Only loopback names and addresses, the address the server
 * is bound to (unless a wildcard) and the names configured in
 * ASP_ADMIN_ALLOWED_HOSTS (comma-separated) are accepted.
 */
export function allowedHostCheck(bindHost: string, extra: readonly string[] = []): (hostHeader: string | undefined) => boolean {
  const allowed = new Set([...extra, ...(isWildcard(bindHost) ? [] : [bindHost])].map((h) => normalise(h)));
  return (header) => {
    if (!header) return false;
    const name = hostName(header);
    if (name === undefined) return false;
    return isLoopback(name) || allowed.has(name);
  };
}

/** The names of ASP_ADMIN_ALLOWED_HOSTS. */
export function allowedHostsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.ASP_ADMIN_ALLOWED_HOSTS ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]' || host === '';
}

function normalise(host: string): string {
  return host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
}

/** The host name of a Host header (`name`, `name:port`, `[v6]:port`), lower-case; undefined when malformed. */
function hostName(header: string): string | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(header.trim());
  return m?.[1] ? normalise(m[1]) : undefined;
}

function isLoopback(name: string): boolean {
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  if (isIP(name) === 6) return name === '::1' || name === '0:0:0:0:0:0:0:1';
  return false;
}
