import type { LiveReplayReport } from './live-replay.ts';
import { readRecording } from '../recording/recording-reader.ts';
import { replayRecording, type ReplayReport } from '../recording/replayer.ts';
import { openRecording } from '../recording/recording-stream.ts';
import { ProgressLine } from '../report/progress-line.ts';
import { usageError, type CommandIo } from './command-io.ts';
import { parseCommandArgs } from './command-args.ts';
import { commandSignals } from './command-signals.ts';
import { finishCommand } from './exit-status.ts';
import { terminalSafe } from '../report/terminal-text.ts';

const HELP = `usage: asp replay <runs/<runId> | recording.ndjson> [options]

Re-drives the run's task machines from its recording, with no Redis and no
listeners, and checks every transition, every step request, each task digest
and the outcome digest.
  exit 0    the replay matches; a recording the run never finished (crashed or
            killed: no footer) is replayed as far as it goes and reported
            "incomplete" when everything recorded matches
  exit 1    it diverged: the first differing event is shown (task, step, round,
            expected vs actual, recording line)
  exit 2    the recording is truncated or corrupt (file and line are named)
  exit 3    (--live) the re-run failed in the engine or its infrastructure
  exit 130  (--live) interrupted

  --live               run the recorded scenario text and seed again through the
                       real queues and listeners and compare every task digest
                       and the outcome digest (detects changed engine/persona
                       behaviour); writes a new run. A run with command agents
                       differs as expected (exit 0, the differences listed)
  --json               print one JSON report as the last stdout line
  --db <file>          (--live) telemetry database (default data/asp_telemetry.db)
  --runs-dir <dir>     (--live) where the new run goes (default runs)
  --workspaces <dir>   (--live) workspace root (default workspaces)
  --redis <url>        (--live) Redis URL (default REDIS_URL or redis://127.0.0.1:6379)
`;

export async function runReplayCommand(argv: string[], io: CommandIo): Promise<number> {
  const parsed = parseCommandArgs('replay', argv, {
    live: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
    db: { type: 'string' },
    'runs-dir': { type: 'string' },
    workspaces: { type: 'string' },
    redis: { type: 'string' },
    'log-level': { type: 'string' },
  });
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const target = positionals[0];
  if (!target || positionals.length > 1) throw usageError('give exactly one run folder or recording file', 'e.g. `npm run replay runs/<runId>`');

  if (!values.live) {
    const report = await replayRecording(await openRecording(target));
    io.stdout(values.json ? `${JSON.stringify(report)}\n` : terminalSafe(renderReplay(report)));
    return finishCommand('replay', { checks: [{ expression: 'the replay matches the recording', pass: report.status === 'match' }] }, io, 'check');
  }
  // Loaded only for --live: an offline replay never touches the queue, Redis or database drivers.
  const { liveReplay } = await import('./live-replay.ts');
  const recording = await readRecording(target);
  const progress = new ProgressLine();
  const signals = commandSignals(io);
  try {
    const report = await liveReplay(recording, {
      signal: signals.signal,
      layout: { dbPath: values.db, runsDir: values['runs-dir'], workspacesDir: values.workspaces },
      ...(values.redis ? { redisUrl: values.redis } : {}),
      ...(values['log-level'] ? { logLevel: values['log-level'] } : {}),
      onProgress: (p) => progress.update(p.done + p.failed, p.total, `tasks · cycle ${p.cycle}/${p.cycles}`),
    });
    progress.clear();
    io.stdout(values.json ? `${JSON.stringify(report)}\n` : terminalSafe(renderLive(report)));
    const interrupted = report.runStatus === 'interrupted';
    return finishCommand('replay', { interrupted, checks: [{ expression: 'the live re-run matches the recording', pass: report.status !== 'diverged' }] }, io, 'check');
  } catch (err) {
    return finishCommand('replay', { error: err, interrupted: signals.signal.aborted }, io);
  } finally {
    progress.clear();
    signals.dispose();
  }
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function renderReplay(r: ReplayReport): string {
  const head = `${r.runId} (${r.scenario}, seed ${r.seed})`;
  const out: string[] = [];
  const engines = r.recordedEngine === r.engine ? '' : ` (recorded with engine ${r.recordedEngine}, replayed with ${r.engine})`;
  if (r.status === 'match' && r.incomplete) {
    out.push(`✔ replay matches as far as the recording goes (incomplete): ${head}${engines}`);
    out.push(`  the run stopped without finishing (no footer: it crashed or was killed) with ${plural(r.stalled, 'task')} waiting on a step in flight`);
    out.push(
      `  ${plural(r.tasks, 'task')}, ${plural(r.events, 'event')}, ${plural(r.dispatches, 'step')} re-driven from ${r.file} in ${(r.ms / 1000).toFixed(2)} s: every recorded transition and step request matches`,
    );
    out.push(`  finish the run with \`npm run simulate -- --resume ${r.runId}\` for its outcome digest`);
    return `${out.join('\n')}\n`;
  }
  if (r.status === 'match') {
    out.push(`✔ replay matches: ${head}${engines}`);
    out.push(`  ${plural(r.tasks, 'task')}, ${plural(r.events, 'event')}, ${plural(r.dispatches, 'step')} re-driven from ${r.file} in ${(r.ms / 1000).toFixed(2)} s (no Redis, no listeners)`);
    out.push(`  every transition, every step request, ${plural(r.tasks, 'task digest')} and the outcome digest match`);
    if (r.notRecorded > 0) out.push(`  ${plural(r.notRecorded, 'planned task')} were never started in the recorded run (interrupted)`);
    out.push(`  digest ${r.digest.actual}`);
    return `${out.join('\n')}\n`;
  }
  const d = r.divergence;
  out.push(`✖ replay diverged: ${head}${engines}`);
  if (d) {
    const where = [d.taskId ? `task ${d.taskId}` : undefined, d.step ? `step ${d.step}` : undefined, d.round !== undefined ? `round ${d.round}` : undefined].filter(Boolean).join(', ');
    const what = { event: 'transition', request: 'step request', 'task-digest': 'task digest', 'unknown-task': 'task', 'outcome-digest': 'outcome digest' }[d.kind];
    out.push(`  first difference (${what}) at ${r.file}:${d.line}${where ? ` — ${where}` : ''}`);
    out.push(`  expected  ${d.expected}`);
    out.push(`  actual    ${d.actual}`);
    if (d.resultLine !== undefined) out.push(`  (the machine was fed the recorded result at line ${d.resultLine})`);
  }
  out.push(`  replayed ${plural(r.tasks, 'task')} before stopping, in ${(r.ms / 1000).toFixed(2)} s`);
  return `${out.join('\n')}\n`;
}

export function renderLive(r: LiveReplayReport): string {
  const out: string[] = [];
  const head = `${r.recordedRunId} (${r.scenario}, seed ${r.seed}) re-run as ${r.runId}`;
  if (r.status === 'match') {
    out.push(`✔ live re-run matches: ${head}`);
    out.push(`  ${plural(r.tasks, 'task digest')} and the outcome digest match (${(r.ms / 1000).toFixed(1)} s through the real queues and listeners)`);
    out.push(`  digest ${r.digest.actual}`);
    return `${out.join('\n')}\n`;
  }
  if (r.status === 'expected-differences') {
    out.push(`≈ live re-run differs, as expected: ${head}`);
    out.push(
      `  command agents play ${r.commandAgents.join(', ')}: their time is measured wall clock and their work is not seeded, so a re-run is not reproducible (the offline replay re-drives the recorded results)`,
    );
  } else out.push(`✖ live re-run differs: ${head}`);
  out.push(`  outcome digest  expected ${r.digest.expected}`);
  out.push(`                  actual   ${r.digest.actual}`);
  out.push(`  ${plural(r.differingTasks, 'task')} differ${r.differingTasks > r.differences.length ? ` (first ${r.differences.length} shown)` : ''}:`);
  for (const t of r.differences) out.push(`    ${t.taskId}: expected ${t.expected?.slice(0, 12) ?? '(not in the recording)'}, actual ${t.actual?.slice(0, 12) ?? '(not run)'}`);
  out.push(`  the new run's recording: ${r.runDir}/recording.ndjson (replay both and compare their events)`);
  return `${out.join('\n')}\n`;
}
