import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { renderJunit } from '../report/junit-report.ts';
import { ProgressLine } from '../report/progress-line.ts';
import { renderRegression } from '../report/regress-report.ts';
import { terminalSafe } from '../report/terminal-text.ts';
import { DEFAULT_BASELINE_DIR, DEFAULT_REGRESSION_DIR, runRegressionSuite, type RegressionReport } from '../runner/regression-suite.ts';
import { metricReference } from '../runner/run-metrics.ts';
import { AspError } from '../errors.ts';
import { TRANSPORT_KINDS, type TransportKind } from '../runner/simulate.ts';
import { defaultObservers } from './default-observers.ts';
import { usageError, type CommandIo } from './command-io.ts';
import { parseCommandArgs } from './command-args.ts';
import { commandSignals } from './command-signals.ts';
import { finishCommand, type CommandOutcome } from './exit-status.ts';

const DEFAULT_JUNIT = 'runs/regress-junit.xml';

const HELP = `usage: asp regress [scenario.yaml | folder …] [options]

Runs every regression scenario (default ${DEFAULT_REGRESSION_DIR}/), compares its
outcome digest and task digests with the committed baseline
(${DEFAULT_BASELINE_DIR}/<scenario file name>.json) and checks the scenario's
\`expect:\` thresholds. A simulated task failing is an outcome: write
\`expect: tasks.failed == 0\` where a scenario means "every task is done".
  exit 0    every scenario matches its baseline and meets its thresholds
  exit 1    a regression: a digest changed or an expectation failed (named on stderr)
  exit 2    a setup problem: bad scenario, malformed threshold or baseline, no Redis; nothing run
  exit 3    a scenario's run failed in the engine or its infrastructure
  exit 130  interrupted

  --update-baselines  rewrite the baselines from these runs (deliberately)
  --json              print one JSON summary as the last stdout line
  --junit <file>      JUnit XML for CI (default ${DEFAULT_JUNIT})
  --baselines <dir>   baseline folder (default ${DEFAULT_BASELINE_DIR})
  --db <file>         telemetry database (default data/asp_telemetry.db)
  --runs-dir <dir>    where runs/<runId>/ go (default runs)
  --workspaces <dir>  workspace root (default workspaces)
  --redis <url>       Redis URL (default REDIS_URL or redis://127.0.0.1:6379)
  --transport <kind>  queue (default) or inline (agents in this process, no Redis; same digests)

Thresholds: <metric>[.<aggregate>] <comparator> <number>[<unit>]   (README.md "Thresholds")
  comparators  <  <=  >  >=  ==  !=
  aggregates   for [trend] metrics: avg (mean) min max med sum count pN p(N);
               percentiles interpolate linearly between ranks
  units        by the metric's kind (in brackets): task_minutes.p90 < 8h, tasks.failed_rate < 5%;
               a bare number is in the metric's own unit
  e.g.  review_rounds.p95 <= 2   estimate.in_interval70 >= 0.6   escaped_defects == 0

Metrics:
${metricReference()}
`;

export async function runRegressCommand(argv: string[], io: CommandIo): Promise<number> {
  const parsed = parseCommandArgs('regress', argv, {
    'update-baselines': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    junit: { type: 'string' },
    baselines: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
    db: { type: 'string' },
    'runs-dir': { type: 'string' },
    workspaces: { type: 'string' },
    redis: { type: 'string' },
    transport: { type: 'string' },
    'log-level': { type: 'string' },
  });
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const transport = values.transport as TransportKind | undefined;
  if (transport !== undefined && !TRANSPORT_KINDS.includes(transport)) throw usageError(`--transport must be ${TRANSPORT_KINDS.join(' or ')}, got "${values.transport}"`);
  const signals = commandSignals(io);
  const progress = new ProgressLine();
  try {
    const report = await runRegressionSuite({
      paths: positionals,
      ...(values.baselines ? { baselinesDir: values.baselines } : {}),
      updateBaselines: values['update-baselines'],
      layout: { dbPath: values.db, runsDir: values['runs-dir'], workspacesDir: values.workspaces },
      ...(values.redis ? { redisUrl: values.redis } : {}),
      ...(transport ? { transport } : {}),
      observers: defaultObservers,
      ...(values['log-level'] ? { logLevel: values['log-level'] } : {}),
      signal: signals.signal,
      onScenario: ({ name, index, total, progress: p }) => {
        if (p) progress.update(p.done + p.failed, p.total, `tasks · scenario ${index + 1}/${total} ${name}`);
      },
    });
    progress.clear();
    const junit = values.junit ?? DEFAULT_JUNIT;
    mkdirSync(dirname(junit), { recursive: true });
    writeFileSync(junit, renderJunit(report));
    io.stdout(values.json ? `${JSON.stringify({ ...report, junit })}\n` : terminalSafe(renderRegression(report, junit)));
    return finishCommand('regress', regressOutcome(report, signals.signal.aborted), io, 'check');
  } catch (err) {
    return finishCommand('regress', { error: err, interrupted: signals.signal.aborted }, io);
  } finally {
    progress.clear();
    signals.dispose();
  }
}

/** A scenario that could not run is an engine failure (3); otherwise every problem is a failed check (1). */
function regressOutcome(report: RegressionReport, interrupted: boolean): CommandOutcome {
  const errored = report.scenarios.filter((s) => s.status === 'error');
  if (errored.length > 0) {
    const names = errored.map((s) => `${s.name} (${s.error ?? 'error'})`).join('; ');
    return {
      interrupted,
      error: new AspError('RUNTIME_FAILED', `${errored.length} regression scenario(s) could not run: ${names}`, {
        exitCode: Math.max(...errored.map((s) => s.exitCode ?? 3)),
        hint: 'see the run logs named above; fix the engine or infrastructure and run `npm run regress` again',
      }),
    };
  }
  const checks = report.scenarios.flatMap((s) => (s.problems.length === 0 ? [{ expression: s.name, pass: true }] : s.problems.map((p) => ({ expression: `${s.name}: ${p}`, pass: false }))));
  return { interrupted, checks };
}
