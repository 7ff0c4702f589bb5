import { join } from 'node:path';
import type { PersonaAgent } from '../../src/agents/persona-agent.ts';
import { InlineTransport } from '../../src/engine/inline-transport.ts';
import type { RunObserver } from '../../src/engine/run-observer.ts';
import type { PersonaName } from '../../src/personas.ts';
import { Recorder } from '../../src/recording/recorder.ts';
import { simulate } from '../../src/runner/simulate.ts';
import { parseScenario } from '../../src/scenario/scenario-loader.ts';
import type { TaskOutcome } from '../../src/workflow/task-types.ts';

/**
 * A whole run in this process: simulate() on the inline transport (no Redis,
 * no listeners), recorded by a real Recorder into `dir`, with a real SQLite
 * database there. Outcomes come back in plan order.
 */
export async function inlineRun(
  scenarioText: string,
  dir: string,
  options: { observers?: RunObserver[]; agents?: Partial<Record<PersonaName, PersonaAgent>>; runId?: string; dbPath?: string; source?: string } = {},
): Promise<{ runId: string; file: string; digest: string; status: string; outcomes: TaskOutcome[] }> {
  const loaded = parseScenario(scenarioText, options.source ?? 'in-process.yaml');
  const outcomes: TaskOutcome[] = [];
  const workspacesDir = join(dir, 'ws');
  const run = await simulate({
    scenarioFile: loaded.file,
    loaded,
    workspace: 'none',
    transport: options.agents ? new InlineTransport({ workspaceRoot: workspacesDir, agents: options.agents }) : 'inline',
    layout: { runsDir: dir, dbPath: options.dbPath ?? join(dir, 'telemetry.db'), workspacesDir, ...(options.runId ? { runId: options.runId } : {}) },
    observers: [new Recorder(), ...(options.observers ?? []), { taskFinished: (o, at) => void (outcomes[at.position] = o) }],
  });
  // A finished recording is gzipped.
  return { runId: run.runId, file: `${run.layout.recordingFile}.gz`, digest: run.digest, status: run.status, outcomes: outcomes.filter(Boolean) };
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
