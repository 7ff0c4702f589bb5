import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, scrubSecrets } from '../../src/logger.ts';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('log redaction', () => {
  it('keeps Redis passwords and API keys out of the log file, wherever they appear', () => {
    dir = mkdtempSync(join(tmpdir(), 'asp-log-'));
    const file = join(dir, 'run.log');
    const url = 'redis://asp-run-x-alex:0123456789abcdef0123456789abcdef@127.0.0.1:6379/0';
    const apiKey = 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789';
    const logger = createLogger({ file, base: { runId: 'r1' } }).child({ component: 'test', connection: url });
    logger.warn({ err: new Error(`cannot connect to ${url}`), redisUrl: url, apiKey, env: { ASP_REDIS_URL: url, ASP_API_KEY: apiKey } }, `retrying ${url}`);
    logger.info({ nested: { deeper: [`Authorization: Bearer ${apiKey}`, { note: `key ${apiKey}` }] }, password: 'hunter2hunter2' }, 'done');
    logger.info({ plain: 'https://example.com/a//b', who: 'user@example.com' }, 'untouched');
    const text = readFileSync(file, 'utf8');
    for (const secret of ['0123456789abcdef0123456789abcdef', apiKey, 'hunter2hunter2']) expect(text).not.toContain(secret);
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(3);
    expect(lines[0]!.msg).toBe('retrying redis://asp-run-x-alex:***@127.0.0.1:6379/0');
    expect(lines[0]!.connection).toBe('redis://asp-run-x-alex:***@127.0.0.1:6379/0');
    expect(lines[2]).toMatchObject({ plain: 'https://example.com/a//b', who: 'user@example.com', msg: 'untouched' });
  });

  it('scrubs URLs with credentials, bearer tokens and sk- keys in free text', () => {
    expect(scrubSecrets('rediss://u:p%40ss@h:6380')).toBe('rediss://u:***@h:6380');
    expect(scrubSecrets('redis://:onlypass@h')).toBe('redis://:***@h');
    expect(scrubSecrets('{"a":"http://h","b":"x@y"}')).toBe('{"a":"http://h","b":"x@y"}');
    expect(scrubSecrets('Bearer abcdefghijklmnop')).toBe('Bearer [redacted]');
    expect(scrubSecrets('key=sk-proj-0123456789abcdefXYZ')).toBe('key=[redacted]');
    expect(scrubSecrets('nothing to see')).toBe('nothing to see');
  });
});
