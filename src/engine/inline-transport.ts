import { createPersonaAgent } from '../agents/agent-factory.ts';
import { CommandAgent } from '../agents/command-agent.ts';
import type { PersonaAgent } from '../agents/persona-agent.ts';
import { executeStep } from '../agents/step-execution.ts';
import { AspError, isAspError } from '../errors.ts';
import type { PersonaName } from '../personas.ts';
import { z } from 'zod';
import { checkedStepEnvelope } from '../queue/envelope-check.ts';
import { checkedStepJob } from '../queue/job-check.ts';
import { HistoryPointSchema, StepEnvelopeSchema, StepJobSchema, describeIssues, type StepEnvelope, type StepJob } from '../queue/job-schema.ts';
import { stepFailure } from '../queue/step-failure.ts';
import { readSecretEnv } from '../runtime/persona-credentials.ts';
import { INTERRUPTED, type StepTransport, type TransportContext } from './step-transport.ts';

/** The estimate request's history, as StepRequestSchema has it. */
const HistorySchema = z.array(HistoryPointSchema).max(100_000);
/** The job's model member, as StepJobSchema has it. */
const ModelSchema = StepJobSchema.shape.model;

export interface InlineTransportOptions {
  /** Root of the task workspaces (workspace mode `git`). */
  workspaceRoot: string;
  /** Agents to use instead of the default ones, per persona (tests, experiments). */
  agents?: Partial<Record<PersonaName, PersonaAgent>>;
}

/**
 * Delivers steps to the persona agents in this process: no Redis, no
 * listener processes. The job and its result go through the same wire
 * schemas as on the queues, and a failing step is tried up to the
 * scenario's `stepAttempts` times, so a run gives the same outcome digest as
 * on the queues. For fast experiments and unit tests of whole runs.
 */
export class InlineTransport implements StepTransport {
  readonly kind = 'inline';
  private readonly agents = new Map<PersonaName, PersonaAgent>();
  private readonly commandAgents = new Map<PersonaName, PersonaAgent>();
  private attempts = 1;

  constructor(private readonly options: InlineTransportOptions) {}

  /** The run's stop signal. */
  private signal: AbortSignal = new AbortController().signal;

  async start(ctx: TransportContext): Promise<void> {
    this.signal = ctx.signal;
    this.attempts = Math.max(1, ctx.scenario.workflow.stepAttempts);
  }

  async deliver(persona: PersonaName, _jobId: string, job: StepJob): Promise<StepEnvelope> {
    const { signal } = this;
    const data = this.parseJob(job);
    const agent = data.agent ? this.commandAgentOf(persona) : this.agentOf(persona);
    const enqueuedAt = Date.now();
    let lastError: unknown;
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      if (signal.aborted) throw new AspError('STEP_FAILED', INTERRUPTED);
      const startedAt = Date.now();
      try {
        const result = await executeStep(agent, data, { workspaceRoot: this.options.workspaceRoot, attempt });
        const meta = { persona, listenerId: `${persona}-inline`, userId: `${persona}@example.com`, pid: process.pid, attemptsMade: attempt, enqueuedAt, startedAt, finishedAt: Date.now() };
        // Through the wire schema (its hand-written check first, envelope-check.ts), as results come off the
        // queue. Not through JSON text: both copy every object they check (nothing is shared with the agent),
        // reject what JSON would turn into something else (NaN, Infinity, undefined in a required place),
        // and an optional member left undefined is dropped (the check) or by every later serialisation
        // (outcome digest, recording) as JSON does (the schema).
        const envelope = { result, meta };
        return checkedStepEnvelope(envelope) ?? (StepEnvelopeSchema.parse(envelope) as StepEnvelope);
      } catch (err) {
        // A malformed job is not retried (a listener fails it as unrecoverable).
        if (isAspError(err) && err.code === 'JOB_INVALID') throw new AspError('STEP_FAILED', `invalid job: ${err.message}`, { cause: err });
        lastError = err;
      }
    }
    throw stepFailure(lastError instanceof Error ? lastError.message : String(lastError), lastError);
  }

  async close(): Promise<void> {}

  /**
   * The job as a listener reads it: through JSON and the wire schema (its
   * hand-written check first, job-check.ts). Every estimate of a cycle
   * carries the same PROBE history array (up to 200 points): it goes through
   * JSON and the schema once per cycle, the rest of the job every time. Any
   * problem: the whole job is parsed, for the listener's exact message.
   */
  private parseJob(job: StepJob): StepJob {
    const { request } = job;
    const history = request.step === 'estimate' && request.history.length > 0 ? this.parsedHistory(request.history) : undefined;
    const model = this.parsedModel(job.model);
    if (model && (history || request.step !== 'estimate')) {
      // The shared parts (the persona's model, the cycle's history) were parsed once: the rest of the job here, then they are put back.
      const rest = { ...job, model: {}, request: history && request.step === 'estimate' ? { ...request, history: [] } : request };
      // The check (job-check.ts) and the schema copy what they check: nothing of the parsed job is shared with the machine's request.
      const parsed = checkedStepJob(rest) ?? StepJobSchema.safeParse(rest).data;
      if (parsed) {
        parsed.model = model;
        if (history && parsed.request.step === 'estimate') parsed.request.history = history;
        return parsed;
      }
    }
    const parsed = StepJobSchema.safeParse(JSON.parse(JSON.stringify(job)));
    if (!parsed.success) throw new AspError('STEP_FAILED', `invalid job: ${describeIssues(parsed.error)}`);
    return parsed.data;
  }

  /** The cycle's PROBE history, once per array. */
  private readonly parsedHistory = parsedOnce(HistorySchema);
  /** The persona's model, once per object (buildStepJob shares one per persona). */
  private readonly parsedModel = parsedOnce(ModelSchema);

  /** A command agent, as a listener runs it (the API key from ASP_API_KEY_FILE / ASP_API_KEY). */
  private commandAgentOf(persona: PersonaName): PersonaAgent {
    let agent = this.commandAgents.get(persona);
    if (!agent) {
      const apiKey = readSecretEnv(process.env, 'ASP_API_KEY');
      agent = new CommandAgent({ persona, env: process.env, appDir: process.cwd(), ...(apiKey ? { apiKey } : {}) });
      this.commandAgents.set(persona, agent);
    }
    return agent;
  }

  private agentOf(persona: PersonaName): PersonaAgent {
    let agent = this.agents.get(persona) ?? this.options.agents?.[persona];
    if (!agent) agent = createPersonaAgent(persona);
    this.agents.set(persona, agent);
    return agent;
  }
}

/**
 * `schema`'s parse of a value through JSON text (as a listener reads it),
 * once per object: later calls with the same object get the same parse.
 * undefined: it does not parse.
 */
function parsedOnce<T>(schema: z.ZodType<T>): (value: object) => T | undefined {
  const parses = new WeakMap<object, T | null>();
  return (value) => {
    let parsed = parses.get(value);
    if (parsed === undefined) {
      const result = schema.safeParse(JSON.parse(JSON.stringify(value)));
      parsed = result.success ? result.data : null;
      parses.set(value, parsed);
    }
    return parsed ?? undefined;
  };
}
