import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isAspError } from '../../src/errors.ts';
import { composeAclFile, hostRunnerUrl, initComposeSecrets, runnerAclRules } from '../../src/runtime/compose-secrets.ts';
import { personaAclRules } from '../../src/runtime/persona-credentials.ts';

describe('compose secrets (npm run compose:init)', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'asp-compose-secrets-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('writes the key, one password per client and an ACL file with the default user off and per-persona key limits', () => {
    const root = tmp();
    const secretsDir = join(root, 'secrets');
    const report = initComposeSecrets({ secretsDir, dataDir: join(root, 'data'), workspacesDir: join(root, 'ws'), apiKey: 'sk-test' });
    expect(readFileSync(join(secretsDir, 'api_key.txt'), 'utf8')).toBe('sk-test');
    expect(statSync(secretsDir).mode & 0o777).toBe(0o700);
    for (const f of ['api_key.txt', 'redis_users.acl', 'redis_password_runner', 'redis_password_alex']) expect(statSync(join(secretsDir, f)).mode & 0o777, f).toBe(0o600);
    expect(report.created).toEqual(expect.arrayContaining([secretsDir, join(root, 'data'), join(root, 'ws')]));
    const acl = readFileSync(join(secretsDir, 'redis_users.acl'), 'utf8').trim().split('\n');
    expect(acl[0]).toBe('user default off resetkeys resetchannels -@all');
    const alexPassword = readFileSync(join(secretsDir, 'redis_password_alex'), 'utf8');
    const alex = acl.find((l) => l.startsWith('user asp-alex '));
    expect(alex).toBe(['user asp-alex on', `#${createHash('sha256').update(alexPassword).digest('hex')}`, ...personaAclRules('asp', 'alex')].join(' '));
    expect(acl.find((l) => l.startsWith('user asp-runner '))).toContain(runnerAclRules('asp').join(' '));
    // No password in clear.
    expect(acl.join('\n')).not.toContain(alexPassword);
  });

  it('keeps existing secrets on a second run (the ACL file follows the passwords)', () => {
    const root = tmp();
    const opts = { secretsDir: join(root, 's'), dataDir: join(root, 'd'), workspacesDir: join(root, 'w'), apiKey: 'first' };
    initComposeSecrets(opts);
    const before = readFileSync(join(root, 's', 'redis_password_sarah'), 'utf8');
    const second = initComposeSecrets({ ...opts, apiKey: 'second' });
    expect(second.created).toEqual([]);
    expect(readFileSync(join(root, 's', 'api_key.txt'), 'utf8')).toBe('first');
    expect(readFileSync(join(root, 's', 'redis_password_sarah'), 'utf8')).toBe(before);
  });

  it('refuses without an API key (exit 2, says how) and writes nothing', () => {
    const root = tmp();
    let error: unknown;
    try {
      initComposeSecrets({ secretsDir: join(root, 's'), dataDir: join(root, 'd'), workspacesDir: join(root, 'w') });
    } catch (err) {
      error = err;
    }
    expect(isAspError(error) && error.exitCode).toBe(2);
    expect(String((error as Error).message)).toContain('api_key.txt');
    expect(() => statSync(join(root, 's'))).toThrow();
  });

  it('rejects a password file that is not a hex password', () => {
    const root = tmp();
    const opts = { secretsDir: join(root, 's'), dataDir: join(root, 'd'), workspacesDir: join(root, 'w'), apiKey: 'k' };
    initComposeSecrets(opts);
    writeFileSync(join(root, 's', 'redis_password_runner'), 'short pw');
    expect(() => initComposeSecrets(opts)).toThrow(/hex password/);
  });

  it("gives the host runner the stack's loopback port and its own user, or says to run compose:init", () => {
    const root = tmp();
    initComposeSecrets({ secretsDir: join(root, 's'), dataDir: join(root, 'd'), workspacesDir: join(root, 'w'), apiKey: 'k' });
    const password = readFileSync(join(root, 's', 'redis_password_runner'), 'utf8');
    expect(hostRunnerUrl(join(root, 's'), 6380)).toBe(`redis://asp-runner:${password}@127.0.0.1:6380`);
    let error: unknown;
    try {
      hostRunnerUrl(join(root, 'missing'), 6380);
    } catch (err) {
      error = err;
    }
    expect(isAspError(error) && error.exitCode).toBe(2);
    expect(isAspError(error) && error.describe()).toMatch(/npm run compose:init.*docker compose up -d/);
  });

  it('escapes the prefix in key patterns and never grants pub/sub', () => {
    const acl = composeAclFile({ runner: 'a'.repeat(64), jordan: 'b'.repeat(64), alex: 'c'.repeat(64), sarah: 'd'.repeat(64) }, 'a*b');
    expect(acl).toContain('~a\\*b:alex:*');
    expect(acl).not.toContain('&');
    expect(runnerAclRules('asp')).toContain('+scan');
    expect(personaAclRules('asp', 'alex')).toContain('-scan');
  });
});
