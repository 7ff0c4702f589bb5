import { forecastPlan } from '../experiment/experiment-loader.ts';
import { parseDuration } from '../experiment/forecast.ts';
import { loadScenarioFile } from '../scenario/scenario-loader.ts';
import { parseCommandArgs } from './command-args.ts';
import { COMMON_OPTIONS, executePlan } from './experiment-command.ts';
import { usageError, type CommandIo } from './command-io.ts';

const HELP = `usage: asp forecast <scenario.yaml> [--seeds 500] [--by 30d] [options]

Runs the scenario's plan with many seeds and gives the distribution of the
calendar end and of the total effort: median, 70 % and 90 % ranges, the
chance of finishing by a deadline, and a fan chart of tasks done (report.html).
Time is the simulated working calendar; a day is --hours-per-day hours.

  --seeds <n>            runs (default 200)
  --by <duration>        deadline from the start: 30d, 6w, 120h
  --hours-per-day <h>    working hours in a day (default 8)
  --workers, --transport, --json, --out, --db, --redis   as for asp experiment
`;

export async function runForecastCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('forecast', argv, {
    ...COMMON_OPTIONS,
    seeds: { type: 'string' },
    by: { type: 'string' },
    'hours-per-day': { type: 'string' },
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw usageError('give exactly one scenario file', 'e.g. `npm run asp -- forecast scenarios/backlog-12-cycles.yaml --seeds 500 --by 34w`');
  const seeds = Number(values.seeds ?? 200);
  if (!Number.isInteger(seeds) || seeds < 2 || seeds > 100_000) throw usageError(`--seeds must be a whole number from 2 to 100000, got "${values.seeds}"`);
  const hoursPerDay = Number(values['hours-per-day'] ?? 8);
  if (!(hoursPerDay > 0 && hoursPerDay <= 24)) throw usageError(`--hours-per-day must be a number of hours from 0 to 24, got "${values['hours-per-day']}"`);
  let byHours: number | undefined;
  if (values.by !== undefined) {
    try {
      byHours = parseDuration(values.by, hoursPerDay);
    } catch {
      throw usageError(`--by must be a duration like 30d, 6w or 120h, got "${values.by}"`);
    }
  }
  const loaded = loadScenarioFile(positionals[0]!);
  const plan = forecastPlan(loaded, seeds, { hoursPerDay, ...(values.by ? { by: values.by } : {}), ...(byHours !== undefined ? { byHours } : {}) });
  return executePlan(plan, values, io);
}
