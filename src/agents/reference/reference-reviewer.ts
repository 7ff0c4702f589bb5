import { basename, dirname, relative } from 'node:path';
import { runCaptured } from '../agent-process.ts';
import { GitWorkspace } from '../../workspace/git-workspace.ts';
import type { AgentRequest, AgentResponseInput } from '../command-protocol.ts';

/**
 * The reference reviewer (Sarah): runs the workspace's own checks (`node
 * --test`, TAP output) and reports each failing check as a defect (type from
 * the failure, severity major, location file:line), and each requirement no
 * check covers (tests are named `R<n>: ...`). Writes the review to
 * reviews/round-<n>.md and commits it.
 */
export interface CheckResult {
  name: string;
  ok: boolean;
  location?: string;
  error?: string;
  code?: string;
}

/** Top-level test results of `node --test --test-reporter=tap`. */
export function parseTap(tap: string): CheckResult[] {
  const results: CheckResult[] = [];
  let current: CheckResult | undefined;
  let inError = false;
  for (const line of tap.split('\n')) {
    const head = /^(not ok|ok) \d+ - (.*)$/.exec(line);
    if (head) {
      current = { name: head[2] ?? '', ok: head[1] === 'ok' };
      results.push(current);
      inError = false;
      continue;
    }
    const field = /^ {2}(location|error|code): (.*)$/.exec(line);
    if (current && field) {
      const value = (field[2] ?? '').replace(/^'(.*)'$/, '$1');
      if (field[1] === 'location') current.location = value;
      if (field[1] === 'code') current.code = value;
      if (field[1] === 'error') {
        inError = value === '|-';
        if (!inError) current.error = value;
      }
      continue;
    }
    if (current && inError) {
      if (/^ {4}\S/.test(line) && current.error === undefined) current.error = line.trim();
      else if (!/^ {4}/.test(line)) inError = false;
    }
  }
  return results;
}

function defectType(check: CheckResult): string {
  const text = `${check.code ?? ''} ${check.error ?? ''}`;
  if (/SyntaxError|ERR_INVALID_TYPESCRIPT|Unexpected token/i.test(text)) return 'Syntax';
  if (/ERR_MODULE_NOT_FOUND|does not provide an export|is not a function|Cannot find/i.test(text)) return 'Interface';
  return 'Function';
}

export async function referenceReviewer(request: AgentRequest): Promise<AgentResponseInput> {
  const base = { protocol: 1 as const, step: request.step };
  if (request.step !== 'review' && request.step !== 'accept') return { ...base, did: `the reviewer does not do ${request.step} steps` };
  const run = await runCaptured({
    argv: [process.execPath, '--test', '--test-reporter=tap'],
    cwd: request.workspace,
    env: Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !e[0].startsWith('NODE_'))),
    input: '',
    timeoutMs: Math.max(1000, request.timeoutMs - 5000),
    maxBytes: 8 * 1024 * 1024,
  });
  const checks = parseTap(run.stdout);
  const where = (location?: string) => (location ? relative(request.workspace, location.replace(/^file:\/\//, '')) : 'test run');
  const defects = checks.filter((c) => !c.ok).map((c) => ({ type: defectType(c), severity: 'major' as const, location: where(c.location), description: `${c.name}: ${c.error ?? 'failed'}` }));
  request.requirements.forEach((requirement, i) => {
    const id = `R${i + 1}`;
    if (!checks.some((c) => c.name.startsWith(`${id}:`))) {
      defects.push({ type: 'Function', severity: 'major', location: `REQUIREMENTS.md (${id})`, description: `no check covers ${id}: ${requirement}` });
    }
  });
  const passed = checks.filter((c) => c.ok).length;
  const approved = defects.length === 0;
  const verdict = request.step === 'review' ? (approved ? 'approved' : 'changes_requested') : approved ? 'accepted' : 'rejected';
  const text = [
    `# ${request.step === 'review' ? 'Review' : 'Acceptance'} of ${request.taskId}, round ${request.round + 1}`,
    '',
    `Verdict: ${verdict.replace('_', ' ')}`,
    `Checks: ${passed} passed, ${checks.length - passed} failed (node --test)`,
    '',
    '## Findings',
    ...(defects.length > 0 ? defects.map((d) => `- ${d.type}, ${d.severity}, ${d.location}: ${d.description}`) : ['- none']),
    '',
  ].join('\n');
  const workspace = new GitWorkspace(dirname(request.workspace), basename(request.workspace));
  const folder = request.step === 'review' ? 'reviews' : 'acceptance';
  const commit = await workspace.commit(
    [{ path: `${folder}/round-${request.round + 1}.md`, content: text }],
    `${request.step === 'review' ? 'Review' : 'Acceptance'} round ${request.round + 1} of ${request.taskId}: ${verdict}`,
  );
  return { ...base, did: `ran ${checks.length} checks: ${passed} passed; ${defects.length} finding(s)`, defects, verdict, commit };
}
