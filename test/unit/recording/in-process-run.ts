import { createActor, toPromise } from 'xstate';
import { createRandom } from '../../../src/agents/prng.ts';
import type { PersonaAgent } from '../../../src/agents/persona-agent.ts';
import { SimulatedAlex } from '../../../src/agents/simulated-alex.ts';
import { SimulatedJordan } from '../../../src/agents/simulated-jordan.ts';
import { SimulatedSarah } from '../../../src/agents/simulated-sarah.ts';
import { relativeSizeTables } from '../../../src/probe/index.ts';
import { StepEnvelopeSchema, type StepEnvelope, type StepJob } from '../../../src/queue/job-schema.ts';
import { Recorder } from '../../../src/recording/recorder.ts';
import { watchMachine } from '../../../src/runner/machine-watch.ts';
import { OutcomeDigest } from '../../../src/runner/outcome-digest.ts';
import { ProbeHistory } from '../../../src/runner/probe-history.ts';
import { runLayout } from '../../../src/runner/run-layout.ts';
import { combineObservers, type RunObserver } from '../../../src/runner/run-observer.ts';
import type { RunSummary } from '../../../src/runner/run-summary.ts';
import { queueStepActors } from '../../../src/runner/step-actors.ts';
import { subjectOf } from '../../../src/runner/task-subject.ts';
import { parseScenario } from '../../../src/scenario/scenario-loader.ts';
import { planCycles } from '../../../src/scenario/task-plan.ts';
import { taskMachine } from '../../../src/workflow/task-machine.ts';
import type { TaskOutcome } from '../../../src/workflow/task-types.ts';

/**
 * A run without Redis or listeners, for unit tests of the recording: the
 * runner's own step actors, with a dispatch that runs the simulated persona
 * agents in this process (sequentially, one task at a time), observed by a
 * real Recorder. The same loop shape as simulate().
 */
export async function inProcessRun(
  scenarioText: string,
  runsDir: string,
  options: { observers?: RunObserver[]; failStep?: (job: StepJob) => string | undefined; source?: string; runId?: string } = {},
): Promise<{ runId: string; file: string; digest: string; outcomes: TaskOutcome[] }> {
  const loaded = parseScenario(scenarioText, options.source ?? 'in-process.yaml');
  const scenario = { ...loaded.scenario, workspace: 'none' as const };
  const layout = runLayout({ ...(options.runId ? { runId: options.runId } : {}), runsDir, dbPath: `${runsDir}/unused.db`, workspacesDir: `${runsDir}/ws` });
  const observe = combineObservers([new Recorder(), ...(options.observers ?? [])], (err) => {
    throw err;
  });
  const agents: Record<string, PersonaAgent> = { jordan: new SimulatedJordan(), alex: new SimulatedAlex(), sarah: new SimulatedSarah() };
  const dispatch = async (persona: string, _jobId: string, job: StepJob): Promise<StepEnvelope> => {
    const { taskId, step, round } = job.request;
    const failure = options.failStep?.(job);
    if (failure) throw new Error(failure);
    const result = await agents[persona]!.run({ job, random: createRandom(job.seed, taskId, step, round), workspace: null, commitTag: '', attempt: 0 });
    const meta = { persona: job.persona, listenerId: `${persona}-1`, userId: `${persona}@example.com`, pid: 1, attemptsMade: 0, enqueuedAt: 0, startedAt: 0, finishedAt: 0 };
    // Through JSON and the wire schema, as results come off the queue.
    return StepEnvelopeSchema.parse(JSON.parse(JSON.stringify({ result, meta }))) as StepEnvelope;
  };
  const actors = queueStepActors({
    runId: layout.runId,
    scenario,
    workspaceMode: 'none',
    dispatch,
    onDispatch: (request, jobId, job) => observe.jobDispatched({ taskId: request.taskId, persona: job.persona, jobId, job }),
    onResult: (request, jobId, envelope) => observe.resultReceived({ taskId: request.taskId, persona: envelope.meta.persona, jobId, envelope }),
  });
  const machine = taskMachine.provide({ actors });
  observe.runStarted({ runId: layout.runId, loaded, scenario, layout, engineVersion: 'test', startedAt: 0 });
  const tables = relativeSizeTables(scenario.history.parts);
  const history = new ProbeHistory(scenario);
  const digest = new OutcomeDigest();
  const all: TaskOutcome[] = [];
  for (const cycle of planCycles(scenario)) {
    const outcomes: TaskOutcome[] = [];
    const cycleHistory = history.forCycle();
    let index = 0;
    for (const planned of cycle.tasks()) {
      const task = subjectOf(planned, tables);
      const actor = createActor(machine, { input: { task, maxReviewRounds: scenario.workflow.maxReviewRounds, history: cycleHistory } });
      watchMachine(actor, (w) => observe.machineEvent({ taskId: task.id, ...w }));
      actor.start();
      const outcome = await toPromise(actor);
      observe.taskFinished(outcome);
      outcomes[index++] = outcome;
      digest.add(outcome);
      all.push(outcome);
    }
    observe.cycleFinished({ cycle: cycle.index, name: cycle.name, outcomes });
    history.addCycle(outcomes);
  }
  await observe.runEnded({ summary: {} as RunSummary, status: 'completed', digest: digest.value() });
  return { runId: layout.runId, file: layout.recordingFile, digest: digest.value(), outcomes: all };
}

export const SMALL_SCENARIO = `
name: Small
seed: 5
workspace: none
workflow: { maxReviewRounds: 4 }
personas:
  sarah: { reviewYield: 0.8, nitpickRate: 0.3 }
  alex: { defectRate: 40 }
history:
  points:
    - { proxySize: 130, planSize: 163, actualSize: 186, actualHours: 15.0 }
    - { proxySize: 650, planSize: 765, actualSize: 699, actualHours: 69.9 }
    - { proxySize: 99, planSize: 141, actualSize: 132, actualHours: 6.5 }
    - { proxySize: 150, planSize: 166, actualSize: 272, actualHours: 22.4 }
cycles:
  - tasks:
      - { id: alpha, title: Alpha, proxySize: 120 }
      - { id: beta, title: Beta, proxySize: 80 }
  - tasks:
      - { id: gamma, title: Gamma, proxySize: 150 }
  - generate: { count: 3, idPrefix: gen }
`;
