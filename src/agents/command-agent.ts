import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AspError } from '../errors.ts';
import { PERSONA_IDENTITIES, identityEnv, type PersonaName } from '../personas.ts';
import { estimateWithProbe } from '../probe/index.ts';
import { describeIssues, type StepJob } from '../queue/job-schema.ts';
import type { CommandAgentSpec } from '../scenario/agent-spec.ts';
import type { Defect, StepCost, StepResult } from '../workflow/task-types.ts';
import type { GitWorkspace } from '../workspace/git-workspace.ts';
import { AgentProcessError, runAgentProcess } from './agent-process.ts';
import { AGENT_PROTOCOL_VERSION, AgentResponseSchema, type AgentRequest, type AgentResponse } from './command-protocol.ts';
import { PSP_DEFECT_TYPES } from './defect-model.ts';
import { TransientStepError, type AgentContext, type PersonaAgent } from './persona-agent.ts';
import { estimateBrief } from './task-brief.ts';

export interface CommandAgentOptions {
  persona: PersonaName;
  /** The persona's API key (from ASP_API_KEY_FILE), given to the command as OPENAI_API_KEY. */
  apiKey?: string;
  /** The listener's environment: HOME, PATH and the variables a scenario passes through come from it. */
  env: NodeJS.ProcessEnv;
  /** The listener's working directory: `./` arguments of the command resolve against it. */
  appDir: string;
}

/** A step the agent failed (timeout, crash, malformed response, a commit outside its workspace): retried as configured. */
export class AgentStepError extends TransientStepError {
  constructor(persona: PersonaName, step: string, reason: string) {
    super(`command agent of ${persona} failed the ${step} step: ${reason}`);
    this.name = 'AgentStepError';
  }
}

/**
 * A persona played by an external command (scenario `personas.<name>.agent:
 * { kind: command }`). One process per step, speaking the JSON-lines protocol
 * of command-protocol.ts; it runs in the task's workspace with the persona's
 * HOME and git identity, its API key and nothing else of the environment.
 * Time is the step's wall clock times `timeFactor`; size is measured with git.
 */
export class CommandAgent implements PersonaAgent {
  constructor(private readonly options: CommandAgentOptions) {}

  async run(ctx: AgentContext): Promise<StepResult> {
    const { job, workspace } = ctx;
    const spec = job.agent;
    if (!spec) throw new AspError('JOB_INVALID', 'job carries no command agent spec');
    if (!workspace) throw new AspError('JOB_INVALID', 'a command agent needs a git workspace (scenario workspace: git)');
    const fail = (reason: string) => new AgentStepError(this.options.persona, job.request.step, reason);
    await workspace.ensureRepo();
    const base = await workspace.head();
    const computed = job.request.step === 'estimate' ? this.estimate(job, job.request.proxySize) : undefined;
    const request = this.request(job, workspace, spec, computed);
    let output;
    try {
      output = await runAgentProcess({
        argv: commandArgv(spec, this.options.appDir),
        cwd: workspace.dir,
        env: this.environment(spec),
        input: `${JSON.stringify(request)}\n`,
        timeoutMs: spec.timeoutMs,
        maxBytes: spec.maxResponseBytes,
        secrets: this.options.apiKey ? [this.options.apiKey] : [],
      });
    } catch (err) {
      if (err instanceof AgentProcessError) throw fail(err.message);
      throw err;
    }
    if (output.responseLine === null) throw fail('it printed no response (one JSON object on one stdout line)');
    let raw: unknown;
    try {
      raw = JSON.parse(output.responseLine);
    } catch (err) {
      throw fail(`its response is not JSON (${(err as Error).message}): ${output.responseLine.slice(0, 200)}`);
    }
    const parsed = AgentResponseSchema.safeParse(raw);
    if (!parsed.success) throw fail(`its response does not follow protocol ${AGENT_PROTOCOL_VERSION}: ${describeIssues(parsed.error)}`);
    const response = parsed.data;
    if (response.step !== job.request.step) throw fail(`it answered step ${response.step} to a ${job.request.step} request`);

    // Measured, not modelled: kept to the millisecond-minute (roundMinutes' 0.1 floor would hide a fast agent's time).
    const minutes = Math.max(0.001, Math.round((output.wallMs / 60_000) * spec.timeFactor * 1000) / 1000);
    const cost: StepCost = { tokensIn: response.tokens?.in ?? 0, tokensOut: response.tokens?.out ?? 0, usd: response.costUsd ?? 0 };
    const actor = response.agent ? `command:${response.agent.name}@${response.agent.version}` : `command:${commandName(spec)}`;
    const commit = response.commit ? await this.checkCommit(workspace, response.commit, base, fail) : undefined;
    const common = { minutes, cost, actor, ...(response.did ? { note: response.did } : {}), ...(commit ? { commit } : {}) };
    const r = job.request;
    switch (r.step) {
      case 'define':
        return { step: 'define', ...common, requirementQuality: response.requirementQuality ?? 1, requirementCount: r.requirements.length };
      case 'estimate':
        return { step: 'estimate', ...common, estimate: response.proxySize ? this.estimate(job, response.proxySize) : (computed ?? this.estimate(job, r.proxySize)) };
      case 'implement':
      case 'fix': {
        if (!commit) throw fail(`a ${r.step} step must answer with the commit it made ("commit")`);
        const stat = commit !== base ? await workspace.numstat(commit, base) : { added: 0, deleted: 0 };
        const modified = Math.min(stat.added, stat.deleted);
        const known = new Set(r.toFix.map((d) => d.id));
        return {
          step: r.step,
          ...common,
          size: { added: stat.added - modified, modified, deleted: stat.deleted - modified, addedModified: stat.added, measuredBy: 'git' },
          injected: [],
          fixed: (response.fixed ?? [...known]).filter((id) => known.has(id)),
        };
      }
      case 'review':
        return { step: 'review', ...common, found: [], reported: reported(response, r.taskId, r.round, 'code'), verdict: verdictOf(response, ['approved', 'changes_requested'], fail) };
      case 'accept':
        return { step: 'accept', ...common, found: [], reported: reported(response, r.taskId, r.round, 'acceptance'), verdict: verdictOf(response, ['accepted', 'rejected'], fail) };
    }
  }

  private estimate(job: StepJob, proxySize: number) {
    if (job.request.step !== 'estimate') throw new AspError('INTERNAL', 'estimate outside the estimate step');
    const productivity = job.model.alex?.productivity;
    return estimateWithProbe({ history: job.request.history, proxySize, ...(productivity ? { judgmentProductivity: productivity } : {}) });
  }

  private request(job: StepJob, workspace: GitWorkspace, spec: CommandAgentSpec, computed?: ReturnType<CommandAgent['estimate']>): AgentRequest {
    const r = job.request;
    const id = PERSONA_IDENTITIES[this.options.persona];
    const estimate = computed ? estimateBrief(computed) : job.brief?.estimate;
    return {
      protocol: AGENT_PROTOCOL_VERSION,
      runId: job.runId,
      taskId: r.taskId,
      step: r.step,
      round: r.round,
      title: r.step === 'define' ? r.title : (job.brief?.title ?? ''),
      requirements: r.step === 'define' ? r.requirements : (job.brief?.requirements ?? []),
      reviewNotes:
        r.step === 'implement' || r.step === 'fix'
          ? r.toFix.map((d) => ({ id: d.id, type: d.type, severity: d.severity, ...(d.location ? { location: d.location } : {}), ...(d.description ? { description: d.description } : {}) }))
          : [],
      workspace: workspace.dir,
      ...(estimate ? { estimate } : {}),
      ...(r.step === 'estimate' ? { proxySize: r.proxySize } : {}),
      ...(r.step === 'review' ? { size: r.size } : {}),
      persona: { name: this.options.persona, role: id.role, userId: id.userId, gitName: id.gitName, gitEmail: id.gitEmail },
      timeoutMs: spec.timeoutMs,
    };
  }

  /** A scrubbed environment: PATH, the persona's HOME and identity, its API key, and what the scenario lists. */
  private environment(spec: CommandAgentSpec): Record<string, string> {
    const from = this.options.env;
    const env: Record<string, string> = { PATH: from.PATH ?? '/usr/local/bin:/usr/bin:/bin' };
    if (from.HOME) env.HOME = from.HOME;
    for (const entry of spec.env) {
      const eq = entry.indexOf('=');
      if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
      else if (from[entry] !== undefined) env[entry] = from[entry] as string;
    }
    Object.assign(env, identityEnv(this.options.persona));
    if (this.options.apiKey) env.OPENAI_API_KEY = this.options.apiKey;
    return env;
  }

  /** The commit must be in the task's repository, descend from where the step began, and carry the persona's identity. */
  private async checkCommit(workspace: GitWorkspace, sha: string, base: string | null, fail: (reason: string) => Error): Promise<string> {
    if (!(await workspace.containsCommit(sha, base))) {
      throw fail(`commit ${sha} is not in the task's workspace ${workspace.dir} (on top of ${base ?? 'its start'}); an agent commits in its own task's repository only`);
    }
    const author = await workspace.author(sha);
    const id = PERSONA_IDENTITIES[this.options.persona];
    if (sha !== base && author.email !== id.gitEmail) throw fail(`commit ${sha} is authored by ${author.name} <${author.email}>, not ${id.gitName} <${id.gitEmail}>`);
    return sha;
  }
}

/** The engine's own command (sources, or the compiled entry in the image). */
const ASP_ENTRY = [new URL('../cli/asp.js', import.meta.url), new URL('../cli/entry.js', import.meta.url)].map((u) => fileURLToPath(u)).find((f) => existsSync(f));

/** `asp` as the program is the engine's own command; an argument starting with `./` is resolved against the listener's directory. */
function commandArgv(spec: CommandAgentSpec, appDir: string): string[] {
  const [program = '', ...args] = spec.command.map((a) => (a.startsWith('./') ? resolve(appDir, a) : a));
  return program === 'asp' && ASP_ENTRY ? [process.execPath, ASP_ENTRY, ...args] : [program, ...args];
}

function commandName(spec: CommandAgentSpec): string {
  if (spec.command[0] === 'asp') return spec.command.slice(0, 3).join(' ');
  const script = spec.command.find((a, i) => i > 0 && !a.startsWith('-'));
  return basename(script ?? spec.command[0] ?? 'agent');
}

function verdictOf<V extends string>(response: AgentResponse, allowed: readonly [V, V], fail: (reason: string) => Error): V {
  if (response.verdict === undefined) return response.defects.length > 0 ? allowed[1] : allowed[0];
  if (!(allowed as readonly string[]).includes(response.verdict)) throw fail(`verdict "${response.verdict}" is not one of ${allowed.join(', ')}`);
  return response.verdict as V;
}

/** The agent's findings as defects of the task (ids by step and round, PSP type codes). */
function reported(response: AgentResponse, taskId: string, round: number, phase: string): Defect[] {
  return response.defects.map((d, i) => {
    const type = PSP_DEFECT_TYPES.find((t) => t.name.toLowerCase() === d.type.toLowerCase()) ?? { code: 80, name: d.type };
    return {
      id: `${taskId}-${phase === 'code' ? 'review' : 'accept'}-r${round}-${i + 1}`,
      type: type.name,
      typeCode: type.code,
      severity: d.severity,
      phaseInjected: round === 0 ? 'code' : 'rework',
      fixMinutes: 0,
      location: d.location,
      ...(d.description ? { description: d.description } : {}),
    };
  });
}
