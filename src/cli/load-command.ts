import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { renderLoadHtml } from '../report/load-html.ts';
import { renderLoadSummary } from '../report/load-summary.ts';
import { ProgressLine } from '../report/progress-line.ts';
import { loadMetricCatalogue, loadMetricReader } from '../runner/load-metric-names.ts';
import { LOAD_DEFAULTS, runLoadTest } from '../runner/load-test.ts';
import { isAspError } from '../errors.ts';
import { formatMetric } from '../thresholds/metric-units.ts';
import { evaluateThresholds, type ThresholdOutcome } from '../thresholds/threshold-evaluator.ts';
import { parseThreshold, placeThresholdError, type Threshold } from '../thresholds/threshold-parser.ts';
import { loadScenarioFile } from '../scenario/scenario-loader.ts';
import { LIMITS } from '../scenario/scenario-limits.ts';
import { seedFromText } from '../scenario/seed.ts';
import { usageError, type CommandIo } from './command-io.ts';
import { commandSignals } from './command-signals.ts';
import { EXIT_CODE_HELP, finishCommand } from './exit-status.ts';

const HELP = `usage: asp load --tasks <n> [options]

Load test: runs <n> generated tasks through the persona queues on real Redis
and listeners, then prints throughput, latency percentiles, queue depth,
memory and database rows, and writes load.json and load.html.

  --tasks <n>                  tasks to run (default 1000)
  --concurrency <n>            tasks in flight, closed model (default ${LOAD_DEFAULTS.concurrency})
  --arrival-rate <r>           open model instead: tasks started per second
                               (--concurrency then caps tasks in flight; default ${LOAD_DEFAULTS.arrivalCap})
  --listeners <n>              listeners per persona (default ${LOAD_DEFAULTS.listenersPerPersona})
  --listener-concurrency <n>   jobs one listener runs at once (default ${LOAD_DEFAULTS.listenerConcurrency})
  --runtime <kind>             process (default) or docker
  --workspace <mode>           none (default) or git
  --seed <s>                   seed (default the template's, else 1)
  --cycles <n>                 split the tasks over n cycles (default ${LOAD_DEFAULTS.cycles})
  --sample-ms <n>              how often queue depth and memory are sampled (default ${LOAD_DEFAULTS.sampleMs});
                               a short run wants a shorter period to see its queues
  --size-median <loc>          median proxy size of a task (default 150)
  --size-sigma <s>             log-normal sigma of the proxy size (default 0.5)
  --template <scenario.yaml>   take personas, history, workflow limits and seed from a scenario
  --threshold <expr>           repeatable; e.g. 'e2e.p95<2s', 'errors.rate<1%',
                               'throughput.tasks_per_s>50', 'wait.alex.p(99)<500ms', 'memory.rss_peak<512MB'
                               (none given: 'errors.count==0'); a failed one makes the exit code 1.
                               The language (aggregates, units, percentiles): README.md "Thresholds".
                               Tasks failed by the round limit or rejected are simulated outcomes:
                               add 'tasks.failed_rate<0.1' where they should count
  --list-metrics               print the metric names thresholds accept
  --json                       print the report as one JSON object on the last stdout line
  --out <dir>                  where load.json and load.html go (default runs/<runId>/load)
  --db <file> --runs-dir <dir> --workspaces <dir> --redis <url> --log-level <level>

${EXIT_CODE_HELP}`;

const DEFAULT_THRESHOLDS = ['errors.count==0'];

/** Every --threshold, parsed before anything runs; a bad one is exit 2 naming the flag. */
function parseThresholdFlags(flags: readonly string[] | undefined): Threshold[] {
  const given = flags?.length ? flags : DEFAULT_THRESHOLDS;
  return given.map((text, i) => {
    try {
      return parseThreshold(text, loadMetricCatalogue);
    } catch (err) {
      if (!isAspError(err)) throw err;
      throw placeThresholdError(err, `asp load --threshold${given.length > 1 ? ` (the ${ordinal(i + 1)})` : ''}`);
    }
  });
}

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

function number(name: string, value: string | undefined, { integer = false, min = 0, exclusive = true, max = Number.MAX_SAFE_INTEGER } = {}): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const ok = value.trim() !== '' && Number.isFinite(n) && (integer ? Number.isInteger(n) : true) && (exclusive ? n > min : n >= min) && n <= max;
  if (!ok) throw usageError(`--${name} must be ${integer ? 'a whole number' : 'a number'} ${exclusive ? '>' : '≥'} ${min} and ≤ ${max}, got "${value}"`, 'see `asp load --help`');
  return n;
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        tasks: { type: 'string' },
        concurrency: { type: 'string' },
        'arrival-rate': { type: 'string' },
        listeners: { type: 'string' },
        'listener-concurrency': { type: 'string' },
        runtime: { type: 'string' },
        workspace: { type: 'string' },
        seed: { type: 'string' },
        cycles: { type: 'string' },
        'sample-ms': { type: 'string' },
        'size-median': { type: 'string' },
        'size-sigma': { type: 'string' },
        template: { type: 'string' },
        threshold: { type: 'string', multiple: true },
        'list-metrics': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        out: { type: 'string' },
        db: { type: 'string' },
        'runs-dir': { type: 'string' },
        workspaces: { type: 'string' },
        redis: { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (err) {
    throw usageError((err as Error).message, 'see `asp load --help`');
  }
}

export async function runLoadCommand(argv: string[], io: CommandIo): Promise<number> {
  const v = parse(argv);
  if (v.help) {
    io.stdout(HELP);
    return 0;
  }
  if (v['list-metrics']) {
    io.stdout(`${loadMetricCatalogue.names().join('\n')}\n`);
    return 0;
  }
  // Everything is checked before anything runs: a bad option or threshold is exit 2 with nothing written.
  const thresholds = parseThresholdFlags(v.threshold);
  // Under the same caps as the scenario schema (one source of truth).
  const tasks = number('tasks', v.tasks ?? '1000', { integer: true, max: LIMITS.generateCount })!;
  const seed = v.seed !== undefined ? seedFromText(v.seed) : undefined;
  if (v.runtime && v.runtime !== 'process' && v.runtime !== 'docker') throw usageError(`--runtime must be process or docker, got "${v.runtime}"`);
  if (v.workspace && v.workspace !== 'git' && v.workspace !== 'none') throw usageError(`--workspace must be git or none, got "${v.workspace}"`);
  const template = v.template ? loadScenarioFile(v.template) : undefined;
  const options = {
    tasks,
    concurrency: number('concurrency', v.concurrency, { integer: true, max: LIMITS.taskConcurrency }),
    arrivalRate: number('arrival-rate', v['arrival-rate'], { max: 1_000_000 }),
    listenersPerPersona: number('listeners', v.listeners, { integer: true, max: LIMITS.listenersPerPersona }),
    listenerConcurrency: number('listener-concurrency', v['listener-concurrency'], { integer: true, max: LIMITS.listenerConcurrency }),
    cycles: number('cycles', v.cycles, { integer: true, max: tasks }),
    sampleMs: number('sample-ms', v['sample-ms'], { integer: true, min: 10, exclusive: false, max: 60_000 }),
    sizeMedian: number('size-median', v['size-median'], { max: LIMITS.sizeLoc }),
    sizeSigma: number('size-sigma', v['size-sigma'], { exclusive: false, max: LIMITS.sigma }),
  };
  const defined = Object.fromEntries(Object.entries(options).filter(([, x]) => x !== undefined)) as typeof options & { tasks: number };

  const signals = commandSignals(io);
  const progress = new ProgressLine();
  try {
    const report = await runLoadTest({
      ...defined,
      ...(v.runtime ? { runtime: v.runtime as 'process' | 'docker' } : {}),
      ...(v.workspace ? { workspace: v.workspace as 'git' | 'none' } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(template ? { template } : {}),
      layout: { dbPath: v.db, runsDir: v['runs-dir'], workspacesDir: v.workspaces },
      ...(v.redis ? { redisUrl: v.redis } : {}),
      ...(v['log-level'] ? { logLevel: v['log-level'] } : {}),
      signal: signals.signal,
      onProgress: (p) => progress.update(p.done + p.failed, p.total, `tasks · ${p.inFlight} in flight${p.cycles > 1 ? ` · cycle ${p.cycle}/${p.cycles}` : ''}`),
    });
    progress.clear();
    const outcomes: ThresholdOutcome[] = evaluateThresholds(thresholds, loadMetricReader(report.metrics, report.database.total));
    const outDir = resolve(v.out ?? join(report.paths.runDir, 'load'));
    mkdirSync(outDir, { recursive: true });
    const files = { json: join(outDir, 'load.json'), html: join(outDir, 'load.html') };
    const document = { ...report, thresholds: outcomes.map((o) => ({ expression: o.threshold.source, metric: o.threshold.name, actual: o.actual, bound: o.threshold.value, pass: o.pass })) };
    writeFileSync(files.json, `${JSON.stringify(document, null, 2)}\n`);
    writeFileSync(files.html, renderLoadHtml(report, outcomes));
    if (v.json) io.stdout(`${JSON.stringify({ ...document, files })}\n`);
    else io.stdout(renderLoadSummary(report, outcomes, files));
    const checks = outcomes.map((o) => ({ expression: o.threshold.source, pass: o.pass, actual: formatMetric(o.actual, o.threshold.unit) }));
    return finishCommand('load', { interrupted: report.status === 'interrupted', checks }, io);
  } catch (err) {
    return finishCommand('load', { error: err, interrupted: signals.signal.aborted }, io);
  } finally {
    progress.clear();
    signals.dispose();
  }
}
