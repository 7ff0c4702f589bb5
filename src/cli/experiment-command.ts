import { evaluateExpectations } from '../experiment/expectation-results.ts';
import { loadExperimentFile, type ExperimentPlan } from '../experiment/experiment-loader.ts';
import { DistributedExecutor, EXPERIMENT_QUEUE, serveExperimentRuns, type QueueLocation } from '../experiment/distributed-runs.ts';
import { newExperimentId, runExperiment } from '../experiment/experiment-runner.ts';
import { DEFAULT_REDIS_URL } from '../admin/admin-defaults.ts';
import { pingRedis, redisUnavailable } from '../queue/bullmq-driver.ts';
import { defaultWorkers, InProcessExecutor, ThreadPoolExecutor, type RunExecutor } from '../experiment/run-executor.ts';
import { runVariant, type RunEnvironment, type RunSpec, type TransportName } from '../experiment/run-variant.ts';
import { renderExperimentHtml } from '../report/experiment-html.ts';
import { renderExperiment } from '../report/experiment-table.ts';
import { ProgressLine } from '../report/progress-line.ts';
import { runLayout } from '../runner/run-layout.ts';
import { parseCommandArgs } from './command-args.ts';
import { commandSignals } from './command-signals.ts';
import { EXIT_CODE_HELP, finishCommand } from './exit-status.ts';
import { usageError, type CommandIo } from './command-io.ts';

const HELP = `usage: asp experiment <scenarios/experiments/name.yaml> [options]

Runs every variant of the experiment's grid with every seed (the same seeds
in every variant, so differences are paired) and reports per variant and
metric the mean, sd, p10/p50/p90 and 95 % interval, each variant's difference
from the baseline with its interval, and a completion forecast. An experiment
without \`vary:\` is a forecast. Writes runs/experiments/<id>/results.json and
report.html, and records the experiment in the telemetry database.

  --workers <n>          runs at once (default: one per core)
  --transport <t>        inline (default: in-process agents) or queues (the persona listeners)
  --json                 print the results as one JSON object on the last stdout line
  --out <dir>            reports folder (default runs/experiments)
  --db <file>            telemetry database (default data/asp_telemetry.db)
  --redis <url>          Redis (queues transport, distributed mode; default REDIS_URL or redis://127.0.0.1:6379)
  --distributed          put the runs on a BullMQ queue for \`asp experiment --worker\` processes (any host)
  --worker               be a worker: take runs from that queue until stopped (no experiment file)
  --queue <name>         the queue's name (default ${EXPERIMENT_QUEUE})

\`expect:\` lines of the experiment file decide exit 1 (see README "Experiments").
${EXIT_CODE_HELP}`;

export const COMMON_OPTIONS = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  workers: { type: 'string' },
  transport: { type: 'string' },
  out: { type: 'string' },
  db: { type: 'string' },
  redis: { type: 'string' },
  'runs-dir': { type: 'string' },
  distributed: { type: 'boolean', default: false },
  queue: { type: 'string' },
} as const;

export async function runExperimentCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('experiment', argv, { ...COMMON_OPTIONS, worker: { type: 'boolean', default: false } });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  if (values.worker) {
    if (positionals.length > 0) throw usageError('--worker takes no experiment file: the runs come from the queue');
    return serveWorker(values, io);
  }
  if (positionals.length !== 1) throw usageError('give exactly one experiment file', 'e.g. `npm run experiment scenarios/experiments/review-yield.yaml`');
  const plan = loadExperimentFile(positionals[0]!);
  return executePlan(plan, values, io);
}

export interface ExecutionFlags {
  json?: boolean;
  workers?: string;
  transport?: string;
  out?: string;
  db?: string;
  redis?: string;
  'runs-dir'?: string;
  distributed?: boolean;
  queue?: string;
}

/** Runs a validated plan with the command line's settings; prints the table or JSON; returns the exit code. */
export async function executePlan(plan: ExperimentPlan, flags: ExecutionFlags, io: CommandIo): Promise<number> {
  const transport = (flags.transport ?? 'inline') as TransportName;
  if (transport !== 'inline' && transport !== 'queues') throw usageError(`--transport must be inline or queues, got "${flags.transport}"`);
  const workers = flags.workers === undefined ? defaultWorkers() : Number(flags.workers);
  if (!Number.isInteger(workers) || workers < 1) throw usageError(`--workers must be a whole number ≥ 1, got "${flags.workers}"`);
  const dbPath = runLayout({ dbPath: flags.db }).dbPath;
  const env: RunEnvironment = { transport, dbPath, ...(flags.redis ? { redisUrl: flags.redis } : {}), ...(flags['runs-dir'] ? { runsDir: flags['runs-dir'] } : {}) };
  const experimentId = newExperimentId();
  const executor = flags.distributed ? new DistributedExecutor(queueLocation(flags), experimentId, transport) : executorFor(env, workers);

  const label = flags.distributed ? `${transport} (distributed)` : transport;
  const signals = commandSignals(io);
  const progress = new ProgressLine();
  try {
    const outcome = await runExperiment(plan, {
      executor,
      experimentId,
      transport: label,
      workers,
      dbPath,
      ...(flags.out ? { outDir: flags.out } : {}),
      signal: signals.signal,
      onProgress: (done, total) => progress.update(done, total, `runs · ${plan.variants.length} variant(s) × ${plan.seeds.length} seeds`, done === total),
      renderReport: (results) => renderExperimentHtml(results),
    });
    progress.clear();
    const interrupted = outcome.status === 'interrupted';
    // Half an experiment proves nothing: expectations are checked only when every run finished.
    const expectations = interrupted ? [] : evaluateExpectations(plan.expect, outcome.results);
    if (flags.json)
      io.stdout(
        `${JSON.stringify({ experimentId: outcome.experimentId, status: outcome.status, wallMs: outcome.wallMs, transport: label, workers, files: outcome.files, expectations, results: outcome.results })}\n`,
      );
    else io.stdout(renderExperiment(outcome.results, { expectations, files: outcome.files, wallMs: outcome.wallMs, transport: label, workers }));
    const checks = expectations.map((e) => ({ expression: `${e.expression}${e.variant ? ` [${e.variant}]` : ''}`, pass: e.pass, actual: e.actual }));
    return finishCommand('experiment', { interrupted, checks }, io, 'expectation');
  } catch (err) {
    return finishCommand('experiment', { error: err, interrupted: signals.signal.aborted }, io);
  } finally {
    progress.clear();
    signals.dispose();
    if (executor instanceof ThreadPoolExecutor) await executor.close();
  }
}

function queueLocation(flags: ExecutionFlags): QueueLocation {
  return { redisUrl: flags.redis ?? process.env.REDIS_URL ?? DEFAULT_REDIS_URL, ...(flags.queue ? { queue: flags.queue } : {}) };
}

/** `asp experiment --worker`: runs jobs from the experiment queue until SIGINT/SIGTERM. */
async function serveWorker(flags: ExecutionFlags, io: CommandIo): Promise<number> {
  const workers = flags.workers === undefined ? defaultWorkers() : Number(flags.workers);
  if (!Number.isInteger(workers) || workers < 1) throw usageError(`--workers must be a whole number ≥ 1, got "${flags.workers}"`);
  const location = queueLocation(flags);
  if (!(await pingRedis(location.redisUrl))) throw redisUnavailable(location.redisUrl);
  const base = { dbPath: runLayout({ dbPath: flags.db }).dbPath, redisUrl: location.redisUrl, ...(flags['runs-dir'] ? { runsDir: flags['runs-dir'] } : {}) };
  const pool = workers > 1 ? new ThreadPoolExecutor({ ...base, transport: 'inline' }, workers) : undefined;
  const inline = runVariant({ ...base, transport: 'inline' });
  const queues = runVariant({ ...base, transport: 'queues' });
  const signals = commandSignals(io);
  try {
    io.stderr(`experiment worker: ${workers} at once, queue ${location.queue ?? EXPERIMENT_QUEUE} (ready)\n`);
    const run = (transport: TransportName, spec: RunSpec, signal: AbortSignal) => (transport === 'queues' ? queues(spec, signal) : pool ? pool.submit(spec, signal) : inline(spec, signal));
    const logged = async (transport: TransportName, spec: RunSpec, signal: AbortSignal) => {
      const result = await run(transport, spec, signal);
      io.stderr(`experiment worker: ran variant ${spec.variant} seed ${String(spec.seed)} (${transport})\n`);
      return result;
    };
    await serveExperimentRuns(location, workers, logged, signals.signal, (err) => io.stderr(`experiment worker: ${err.message}\n`));
    return finishCommand('experiment', { interrupted: signals.signal.aborted }, io);
  } finally {
    signals.dispose();
    await pool?.close();
  }
}

/** Inline runs go to one worker thread per core; queue runs are driven from here (the listeners do the work). */
function executorFor(env: RunEnvironment, workers: number): RunExecutor {
  if (env.transport === 'inline' && workers > 1) return new ThreadPoolExecutor(env, workers);
  return new InProcessExecutor(runVariant(env), workers);
}
