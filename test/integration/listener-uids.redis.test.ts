import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WORKER_PERSONAS } from '../../src/personas.ts';
import { obliterateQueues } from '../../src/queue/bullmq-driver.ts';
import { provisionPersonaCredentials } from '../../src/runtime/persona-credentials.ts';
import { ProcessRuntime } from '../../src/runtime/process-runtime.ts';
import { REDIS_URL, TempRun } from '../support/temp-run.ts';

/**
 * Isolation on the process runtime against real listener processes: Alex's
 * listener tries to read Sarah's Redis credentials, the runner's environment
 * (which holds the administrative Redis URL) and Sarah's listener's
 * environment. As root each persona runs under its own uid and all of it is
 * refused; not as root, the runtime says plainly that it is not isolated.
 */
const opened: Array<{ close(): Promise<unknown> }> = [];
let temp: TempRun | undefined;
afterEach(async () => {
  for (const o of opened.splice(0).reverse()) await o.close().catch(() => undefined);
  temp?.cleanup();
  temp = undefined;
});

const root = process.getuid?.() === 0;

/** Runs `cat <file>` as the given uid:gid: what a compromised listener of that uid could read. */
function readAs(uid: number, gid: number, file: string): { ok: boolean; text: string } {
  const r = spawnSync('cat', [file], { uid, gid, encoding: 'utf8' });
  return { ok: r.status === 0, text: `${r.stdout}${r.stderr}` };
}

function uidOf(pid: number): number {
  const line =
    readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Uid:')) ?? '';
  return Number(line.split(/\s+/)[1]);
}

describe('process runtime: listeners get only their own credentials', () => {
  it(root ? "runs each persona under its own uid; Alex cannot read Sarah's secret, the runner's or Sarah's environment" : 'says the listeners are not isolated when not root', async () => {
    temp = new TempRun();
    chmodSync(temp.dir, 0o711); // a folder the listener uids may traverse (mkdtemp makes it 0700)
    const runId = `uids-${randomBytes(4).toString('hex')}`;
    const prefix = `asp-${runId}`;
    const runDir = join(temp.runsDir, runId);
    mkdirSync(runDir, { recursive: true }); // as simulate() does before it provisions the credentials
    const credentials = await provisionPersonaCredentials({ redisUrl: REDIS_URL, prefix, runId, runDir, personas: WORKER_PERSONAS });
    opened.push(credentials, { close: () => obliterateQueues(REDIS_URL, prefix, WORKER_PERSONAS) });
    const logs: string[] = [];
    const runtime = new ProcessRuntime();
    opened.push(runtime);
    await runtime.start({
      runId,
      redisUrl: REDIS_URL,
      redisUrlFiles: credentials.urlFiles(),
      queuePrefix: prefix,
      personas: WORKER_PERSONAS,
      listenersPerPersona: 1,
      concurrency: 1,
      workspaceRoot: temp.workspacesDir,
      runDir,
      onLog: (persona, line) => logs.push(`${persona} ${typeof line === 'string' ? line : String(line.msg)}`),
    });
    const pid = (persona: string) => runtime.listeners().find((l) => l.persona === persona)?.pid ?? 0;
    if (!root) {
      expect(logs.join('\n')).toMatch(/listeners of alex run as the runner's own user, not isolated/);
      return;
    }
    const alex = { uid: uidOf(pid('alex')), gid: 61000 };
    const sarahUid = uidOf(pid('sarah'));
    expect(new Set([alex.uid, sarahUid, uidOf(pid('jordan')), process.getuid?.()]).size).toBe(4);
    expect(logs.join('\n')).toContain(`listeners of alex run as uid ${alex.uid}`);

    // Sarah's URL file: 0400, hers; Alex is refused, and can read only his own.
    const sarahFile = credentials.urlFile('sarah')!;
    expect(statSync(sarahFile).mode & 0o777).toBe(0o400);
    expect(statSync(sarahFile).uid).toBe(sarahUid);
    expect(readAs(alex.uid, alex.gid, sarahFile)).toMatchObject({ ok: false, text: expect.stringMatching(/Permission denied/) });
    expect(readAs(alex.uid, alex.gid, credentials.urlFile('alex')!).text).toContain(`asp-${runId}-alex`);
    // The runner's environment (REDIS_URL, the administrative URL) and Sarah's listener's environment.
    expect(readAs(alex.uid, alex.gid, `/proc/${process.pid}/environ`).ok).toBe(false);
    expect(readAs(alex.uid, alex.gid, `/proc/${pid('sarah')}/environ`).ok).toBe(false);
    // Nothing of the runner's own credentials reached Alex's environment (scrubbed when spawned).
    const alexEnv = readFileSync(`/proc/${pid('alex')}/environ`, 'utf8').split('\0');
    expect(alexEnv.filter((e) => /^(REDIS_URL|ASP_REDIS_URL)=/.test(e))).toEqual([]);
    expect(alexEnv).toContain(`ASP_REDIS_URL_FILE=${credentials.urlFile('alex')}`);
  });
});
