import { renderSummary } from '../report/summary-report.ts';
import { ProgressLine } from '../report/progress-line.ts';
import { simulate, TRANSPORT_KINDS, type TransportKind } from '../runner/simulate.ts';
import { RUNTIME_KINDS, type RuntimeKind } from '../runtime/agent-runtime.ts';
import { resumePlan } from '../runner/run-resume.ts';
import { newRunId, runLayout } from '../runner/run-layout.ts';
import { checkDatabaseWritable } from '../telemetry/database-preflight.ts';
import { openTelemetryStore } from '../telemetry/open-store.ts';
import { defaultObservers } from './default-observers.ts';
import { LIMITS } from '../scenario/scenario-limits.ts';
import { seedFromText } from '../scenario/seed.ts';
import { intOption, parseCommandArgs } from './command-args.ts';
import { usageError, type CommandIo } from './command-io.ts';
import { commandSignals } from './command-signals.ts';
import { EXIT_CODE_HELP, finishCommand } from './exit-status.ts';
import { loadScenarioFile } from '../scenario/scenario-loader.ts';
import type { RunSummary } from '../engine/run-summary-types.ts';
import { checkExpectations, OutcomeCollector, parseExpectations } from '../runner/scenario-expectations.ts';

const HELP = `usage: asp simulate <scenario.yaml> [options]

  --json                 print one JSON summary object as the last stdout line
  --db <file>            telemetry database (default data/asp_telemetry.db)
  --runs-dir <dir>       where runs/<runId>/ goes (default runs)
  --workspaces <dir>     workspace root (default workspaces)
  --runtime <kind>       process (default), docker, or compose (the standing containers of docker compose up -d)
  --workspace <mode>     git (default) or none
  --seed <n>             override the scenario's seed
  --listeners <n>        listeners per persona
  --concurrency <n>      jobs one listener processes at once
  --tasks-in-flight <n>  tasks in flight per cycle
  --transport <kind>     queue (default: persona queues and listeners) or inline (the
                         persona agents in this process: no Redis, no listeners; same digest)
  --redis <url>          Redis URL (default REDIS_URL or redis://127.0.0.1:6379)
  --prefix <name>        BullMQ prefix (default: private per run, removed at the end)
  --resume <runId>       finish an interrupted or crashed run from the database (no scenario file)

The scenario's \`expect:\` lines (e.g. \`tasks.failed == 0\`, \`estimate.in_interval70 >= 0.6\`;
\`asp regress --help\` lists the metrics) are checked at the end. A simulated task
that fails (round limit, rejection) is an outcome of the simulation, not an error.

${EXIT_CODE_HELP}`;

export async function runSimulateCommand(argv: string[], io: CommandIo): Promise<number> {
  const parsed = parseCommandArgs('simulate', argv, {
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
    db: { type: 'string' },
    'runs-dir': { type: 'string' },
    workspaces: { type: 'string' },
    runtime: { type: 'string' },
    workspace: { type: 'string' },
    seed: { type: 'string' },
    listeners: { type: 'string' },
    concurrency: { type: 'string' },
    'tasks-in-flight': { type: 'string' },
    redis: { type: 'string' },
    transport: { type: 'string' },
    prefix: { type: 'string' },
    resume: { type: 'string' },
    'log-level': { type: 'string' },
  });
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const file = positionals[0];
  if (values.resume) {
    if (positionals.length > 0) throw usageError('--resume takes the run id only; the scenario comes from the database');
  } else if (!file || positionals.length > 1) throw usageError('give exactly one scenario file', 'e.g. `npm run simulate scenarios/task-a.yaml`');
  if (values.runtime && !(RUNTIME_KINDS as readonly string[]).includes(values.runtime)) throw usageError(`--runtime must be ${RUNTIME_KINDS.join(', ')}, got "${values.runtime}"`);
  if (values.workspace && values.workspace !== 'git' && values.workspace !== 'none') throw usageError(`--workspace must be git or none, got "${values.workspace}"`);
  // Under the same caps as the scenario schema (one source of truth), checked before anything runs.
  const seed = values.seed !== undefined ? seedFromText(values.seed) : undefined;
  const listenersPerPersona = intOption('simulate', 'listeners', values.listeners, 1, LIMITS.listenersPerPersona);
  const listenerConcurrency = intOption('simulate', 'concurrency', values.concurrency, 1, LIMITS.listenerConcurrency);
  const taskConcurrency = intOption('simulate', 'tasks-in-flight', values['tasks-in-flight'], 1, LIMITS.taskConcurrency);

  const transport = values.transport as TransportKind | undefined;
  if (transport !== undefined && !TRANSPORT_KINDS.includes(transport)) throw usageError(`--transport must be ${TRANSPORT_KINDS.join(' or ')}, got "${values.transport}"`);
  const signals = commandSignals(io);
  const progress = new ProgressLine();
  // Known before the run starts, so an engine failure can say how to resume it.
  const runId = values.resume ?? newRunId();
  try {
    const resumed = values.resume ? resumeOptions(values.db, values.resume) : undefined;
    const loaded = resumed?.loaded ?? loadScenarioFile(file ?? '');
    // Parsed before anything runs: a malformed expectation is exit 2 with nothing written.
    const expectations = parseExpectations(loaded);
    const collector = new OutcomeCollector();
    const result = await simulate({
      scenarioFile: loaded.file,
      loaded,
      layout: { dbPath: values.db, runsDir: values['runs-dir'], workspacesDir: values.workspaces, runId },
      ...(values.redis ? { redisUrl: values.redis } : {}),
      ...(transport ? { transport } : {}),
      ...(values.runtime ? { runtime: values.runtime as RuntimeKind } : {}),
      ...(values.workspace ? { workspace: values.workspace as 'git' | 'none' } : {}),
      ...(seed !== undefined ? { seed } : {}),
      listenersPerPersona,
      listenerConcurrency,
      taskConcurrency,
      ...(values.prefix ? { queuePrefix: values.prefix } : {}),
      ...(values['log-level'] ? { logLevel: values['log-level'] } : {}),
      signal: signals.signal,
      // A resumed run keeps the settings it started with.
      ...(resumed ?? {}),
      observers: [...(resumed?.observers ?? defaultObservers()), ...(expectations.length > 0 ? [collector] : [])],
      onProgress: (p) => progress.update(p.done + p.failed, p.total, `tasks · cycle ${p.cycle}/${p.cycles} ${p.cycleName}${p.lastTask ? ` · ${p.lastTask}` : ''}`),
    });
    progress.clear();
    const interrupted = result.status === 'interrupted';
    // An interrupted run's expectations would judge half a run: they are not checked.
    const checks = interrupted ? [] : checkExpectations(expectations, collector.metrics(result.summary));
    const summary: RunSummary = { ...result.summary, expectations: checks };
    if (values.json) io.stdout(`${JSON.stringify(summary)}\n`);
    else io.stdout(renderSummary(summary));
    return finishCommand('simulate', { interrupted, checks }, io, 'expectation');
  } catch (err) {
    return finishCommand('simulate', { error: err, interrupted: signals.signal.aborted, resume: `npm run simulate -- --resume ${runId}` }, io);
  } finally {
    progress.clear();
    signals.dispose();
  }
}

/** The scenario and options of the run to resume, read from its database. */
function resumeOptions(dbPath: string | undefined, runId: string) {
  const path = runLayout({ dbPath }).dbPath;
  checkDatabaseWritable(path);
  const store = openTelemetryStore(path);
  try {
    store.migrate();
    // The recording goes on after a resume line (the resumed attempt replays with the first), and the report is written again.
    return { ...resumePlan(store, runId), resume: runId, observers: defaultObservers() };
  } finally {
    store.close();
  }
}
