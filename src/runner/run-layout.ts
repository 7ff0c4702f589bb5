import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';

/** Where a run keeps its files. Defaults relative to the working directory. */
export interface RunLayout {
  runId: string;
  dbPath: string;
  runDir: string;
  logFile: string;
  recordingFile: string;
  workspaceRoot: string;
  /** The run's folder under the workspace root (each task gets a repo below it). */
  workspaceDir: string;
}

export interface LayoutOptions {
  runId?: string;
  dbPath?: string;
  runsDir?: string;
  workspacesDir?: string;
}

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `run-${stamp}-${randomBytes(3).toString('hex')}`;
}

export function runLayout(options: LayoutOptions = {}): RunLayout {
  const runId = options.runId ?? newRunId();
  const inContainer = process.env.ASP_IN_CONTAINER === 'true';
  const dbPath = resolve(options.dbPath ?? process.env.ASP_DB ?? (inContainer ? '/app/data/asp_telemetry.db' : 'data/asp_telemetry.db'));
  const runsDir = resolve(options.runsDir ?? process.env.ASP_RUNS_DIR ?? (inContainer ? '/app/data/runs' : 'runs'));
  const workspaceRoot = resolve(options.workspacesDir ?? process.env.ASP_WORKSPACE_ROOT ?? (inContainer ? '/app/workspaces' : 'workspaces'));
  const runDir = join(runsDir, runId);
  return {
    runId,
    dbPath,
    runDir,
    logFile: join(runDir, 'run.log'),
    recordingFile: join(runDir, 'recording.ndjson'),
    workspaceRoot,
    workspaceDir: join(workspaceRoot, runId),
  };
}
