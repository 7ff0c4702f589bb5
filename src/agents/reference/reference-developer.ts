import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GitWorkspace, type FileChange } from '../../workspace/git-workspace.ts';
import type { AgentRequest, AgentResponseInput } from '../command-protocol.ts';

/**
 * The reference developer (Alex): a scripted programmer with a small kit of
 * solutions (./kit: linear regression, prediction interval, significance, t
 * distribution, each with node:test checks named after the requirement they
 * cover, `R<n>: ...`). For each requirement it finds the matching solution,
 * writes it into the task's workspace and commits; a requirement it has no
 * solution for is left undone (the reviewer reports it). `--slip N` makes its
 * first draft contain N known mistakes, which the workspace's own checks catch
 * and its fix step corrects: the review loop with a real defect.
 */
const KIT = fileURLToPath(new URL('./kit/', import.meta.url));

interface Recipe {
  name: string;
  match: RegExp;
  files: string[];
  /** A mistake a person makes: `from` replaced by `to` in `file` in a slipped first draft. */
  slip?: { file: string; from: string; to: string };
}

const T_DISTRIBUTION = ['src/t-distribution.mjs', 'test/t-distribution.test.mjs'];
const REGRESSION = ['src/regression.mjs', 'test/psp-data.mjs'];

/** First match wins, in this order. */
const RECIPES: Recipe[] = [
  { name: 'significance', match: /significan/i, files: [...REGRESSION, ...T_DISTRIBUTION, 'src/significance.mjs', 'test/significance.test.mjs'] },
  { name: 'prediction interval', match: /prediction interval/i, files: [...REGRESSION, ...T_DISTRIBUTION, 'src/prediction-interval.mjs', 'test/prediction-interval.test.mjs'] },
  {
    name: 'regression',
    match: /β0|β1|\bbeta|regression|\br²/i,
    files: [...REGRESSION, 'test/regression.test.mjs'],
    slip: { file: 'src/regression.mjs', from: 'const beta0 = yAvg - beta1 * xAvg;', to: 'const beta0 = yAvg - beta1 * yAvg;' },
  },
];

const PACKAGE_JSON = `${JSON.stringify({ name: 'task-workspace', private: true, type: 'module', scripts: { test: 'node --test' } }, null, 2)}\n`;

function slipsOption(args: string[]): number {
  const i = args.indexOf('--slip');
  const n = i >= 0 ? Number(args[i + 1]) : 0;
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/** The files that meet the requirements, and the requirements nothing in the kit meets. */
export function plan(requirements: readonly string[], slips: number): { files: FileChange[]; done: string[]; undone: string[] } {
  const files = new Map<string, string>([['package.json', PACKAGE_JSON]]);
  const done: string[] = [];
  const undone: string[] = [];
  let slipsLeft = slips;
  requirements.forEach((requirement, i) => {
    const id = `R${i + 1}`;
    const recipe = RECIPES.find((r) => r.match.test(requirement));
    if (!recipe) {
      undone.push(`${id} (${requirement})`);
      return;
    }
    done.push(`${id} ${recipe.name}`);
    for (const file of recipe.files) {
      const text = readFileSync(`${KIT}${file}`, 'utf8');
      // A check file covers the requirement it was written for: its tests are named after it.
      files.set(file, file.endsWith('.test.mjs') && text.includes('__REQ__') ? text.replaceAll('__REQ__', id) : (files.get(file) ?? text));
    }
    if (recipe.slip && slipsLeft > 0) {
      slipsLeft--;
      const { file, from, to } = recipe.slip;
      files.set(file, (files.get(file) ?? '').replace(from, to));
    }
  });
  return { files: [...files].map(([path, content]) => ({ path, content })), done, undone };
}

export async function referenceDeveloper(request: AgentRequest, args: string[]): Promise<AgentResponseInput> {
  const base = { protocol: 1 as const, step: request.step };
  if (request.step === 'estimate') {
    const e = request.estimate;
    return { ...base, did: e ? `planned with PROBE: ${Math.round(e.size.projected)} LOC (method ${e.sizeMethod}), ${Math.round(e.minutes.projected)} min` : 'planned' };
  }
  if (request.step !== 'implement' && request.step !== 'fix') return { ...base, did: `the developer does not do ${request.step} steps` };
  const slips = request.step === 'implement' ? slipsOption(args) : 0;
  const { files, done, undone } = plan(request.requirements, slips);
  const workspace = new GitWorkspace(dirname(request.workspace), basename(request.workspace));
  const subject =
    request.step === 'implement'
      ? `Implement ${request.taskId}: ${done.join(', ') || 'nothing in the kit fits'}`
      : `Fix review findings of ${request.taskId} (round ${request.round}): ${request.reviewNotes.map((n) => n.location ?? n.id).join(', ')}`;
  const commit = await workspace.commit(files, `${subject}\n\nreference developer${undone.length ? `; not done: ${undone.join('; ')}` : ''}`);
  // A note it can address is one about a check of a requirement it implemented; "no check covers R<n>" it cannot.
  const fixable = request.reviewNotes.filter((n) => !undone.some((u) => n.description?.includes(`no check covers ${u.split(' ')[0]}:`)));
  return {
    ...base,
    did: `${request.step === 'implement' ? 'implemented' : 'fixed'} ${done.join(', ') || 'nothing'}${undone.length ? `; no solution for ${undone.join('; ')}` : ''}`,
    commit,
    ...(request.step === 'fix' ? { fixed: fixable.map((n) => n.id) } : {}),
  };
}
