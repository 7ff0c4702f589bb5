import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pacedScenario, processesWith, readDb, runWithSteps, spawnAsp, stepKeys, until, referenceRun, resumeToReference, type Reference } from '../support/fault-helpers.ts';
import { TempRun } from '../support/temp-run.ts';

/**
 * A listener killed again and again: after the restart cap the persona has no
 * listener. The run used to go on for minutes and store the persona's tasks as
 * failed for good; now it stops at once with a resumable error (exit 3) naming
 * the persona and how its listener last ended, and `--resume` finishes it.
 */
let temp: TempRun;
afterEach(() => temp?.cleanup());

let ref: Reference;
beforeAll(async () => {
  ref = await referenceRun();
});

describe('listener restart cap', () => {
  it('alex killed six times: the run stops with exit 3 naming alex and the last exit, no task stored as failed; --resume finishes it', async () => {
    temp = new TempRun();
    const file = join(temp.dir, 'paced.yaml');
    writeFileSync(file, pacedScenario(1000));
    const run = spawnAsp(['simulate', file, '--json', ...temp.cliArgs()]);
    const runId = await until(() => runWithSteps(temp.dbPath, 1), 90_000, 'a stored step');
    let last: number | undefined;
    for (let kill = 1; kill <= 6; kill++) {
      const pid = await until(
        () => {
          const p = processesWith('environ', `ASP_RUN_ID=${runId}\0`, 'ASP_LISTENER_ID=alex-1\0')[0];
          return p !== undefined && p !== last ? p : undefined;
        },
        30_000,
        `alex listener #${kill}`,
      );
      process.kill(pid, 'SIGKILL');
      last = pid;
    }
    const ended = await run.exit;
    expect(run.stderr()).toMatch(/persona alex has no live listener \(listener alex-1 died 6 times, last with exit code - signal SIGKILL\)/);
    expect(run.stderr()).toContain(`npm run simulate -- --resume ${runId}`);
    expect(run.stderr()).not.toMatch(/at .*\.ts:\d+/);
    expect(ended.code).toBe(3);
    const states = readDb(temp.dbPath, (db) => db.prepare('SELECT state, COUNT(*) AS n FROM tasks WHERE run_id = ? GROUP BY state').all(runId)) as Array<{ state: string; n: number }>;
    expect(states.filter((s) => s.state === 'failed')).toEqual([]);
    expect(stepKeys(temp.dbPath, runId).length).toBeLessThan(ref.steps);

    await resumeToReference(temp, runId, ref);
  }, 400_000);
});
