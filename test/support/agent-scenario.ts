import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { REPO } from './temp-run.ts';

/** A fake API key; its sha256 is what the fixture agent reports. */
export const API_KEY = 'sk-test-agent-0123456789abcdefghijklmnop';
export const API_KEY_SHA = createHash('sha256').update(API_KEY).digest('hex');
export const FIXTURE_AGENT = join(REPO, 'test/fixtures/agents/misbehaving-agent.mjs');

/**
 * scenarios/agent-task-a.yaml (reference developer and reviewer), with Jordan
 * as the fixture agent in `env` mode unless `jordanFixture: false` (it reports
 * the sha256 of the API key it got), written to `dir`; also writes the API key file (0600). Returns both paths.
 */
export function writeAgentScenario(dir: string, options: { jordanFixture?: boolean } = {}): { scenario: string; apiKeyFile: string } {
  const doc = parse(readFileSync(join(REPO, 'scenarios/agent-task-a.yaml'), 'utf8')) as { personas: Record<string, Record<string, unknown>> };
  if (options.jordanFixture ?? true) doc.personas.jordan = { ...doc.personas.jordan, agent: { kind: 'command', command: ['node', FIXTURE_AGENT, 'env'], timeoutMs: 60_000 } };
  const scenario = join(dir, 'agent-task-a.yaml');
  writeFileSync(scenario, stringify(doc));
  const apiKeyFile = join(dir, 'api_key.txt');
  writeFileSync(apiKeyFile, `${API_KEY}\n`, { mode: 0o600 });
  return { scenario, apiKeyFile };
}

/** Every file under `dir` (recursively) whose bytes contain `text`. */
export function filesContaining(dir: string, text: string): string[] {
  const hits: string[] = [];
  const walk = (path: string) => {
    if (statSync(path).isDirectory()) {
      for (const entry of readdirSync(path)) walk(join(path, entry));
    } else if (readFileSync(path).includes(text)) hits.push(path);
  };
  walk(dir);
  return hits;
}
