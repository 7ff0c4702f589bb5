import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InlineTransport } from '../engine/inline-transport.ts';
import { runScenario } from '../engine/run-engine.ts';
import type { PersonaName } from '../personas.ts';
import { loadTestScenario, type LoadTestOptions } from './load-test.ts';

/**
 * The steps of each task of a load test's workload, in order, as personas:
 * the sequence the round-trip baseline gives the same task, so the baseline
 * and the engine do the same round trips (a task reworked twice has two more
 * fix/review pairs in both). The workload is deterministic (scenario and seed;
 * PROBE history frozen per cycle), so one run on the inline transport, in this
 * process and without Redis, gives the steps the engine's run will take.
 */
export async function workloadSteps(options: LoadTestOptions): Promise<PersonaName[][]> {
  const { loaded } = loadTestScenario(options);
  const steps = new Map<string, PersonaName[]>();
  const order: PersonaName[][] = [];
  const workspaceRoot = mkdtempSync(join(tmpdir(), 'asp-bench-workload-'));
  try {
    await runScenario({
      runId: 'bench-workload',
      scenario: loaded.scenario,
      transport: new InlineTransport({ workspaceRoot }),
      lean: true,
      observers: [
        {
          taskStarted: (task) => void steps.set(task.id, []),
          jobDispatched: ({ taskId, persona }) => void steps.get(taskId)?.push(persona),
          taskFinished: (outcome, at) => {
            order[at.position] = steps.get(outcome.taskId) ?? [];
            steps.delete(outcome.taskId);
          },
        },
      ],
    });
  } finally {
    rmSync(workspaceRoot, { recursive: true, force: true });
  }
  return order.filter((s) => s.length > 0);
}
