/**
 * `asp probe`: PROBE regression and method selection from the command line.
 *
 *   asp probe --x 130,650,99 --y 186,699,132 --xk 386 [--percent 80,95] [--json]
 *   asp probe --history FILE --proxy 386 [--percent …] [--json]
 *
 * With --x/--y/--xk it prints one object: n, beta0, beta1, r, r2,
 * significance, yk, range/upi/lpi at 70 and 90 % (plus any --percent),
 * with null for what is not computable and a `reason`. With --history
 * (JSON or CSV) and --proxy it runs estimateWithProbe and prints the chosen
 * size and time methods and every candidate. Bad input → stderr, exit 2.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { AspError, errorMessage, isAspError } from '../errors.ts';
import { DEFAULT_INTERVAL_PERCENTS, estimateWithProbe, linearRegression, parseHistoryText, projectRegression, type ProbeEstimate, type ProbeProjection } from '../probe/index.ts';

export interface CommandIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const USAGE = `usage: asp probe --x X1,X2,... --y Y1,Y2,... --xk XK [--percent P,...] [--json]
       asp probe --history FILE --proxy E [--percent P,...] [--json]
  --x, --y      historical x and y values (comma-separated numbers, same count)
  --xk          the x to project (e.g. the new task's estimated proxy size E)
  --percent     extra prediction-interval percents besides 70 and 90 (e.g. 80 or 80,95)
  --history     JSON or CSV file of past tasks: proxySize, planSize, actualSize, actualMinutes
  --proxy       estimated proxy size E of the new task (with --history)
  --json        print one JSON object instead of a table`;

function usageError(message: string, hint: string): AspError {
  return new AspError('PROBE_INPUT', message, { hint, exitCode: 2 });
}

function parseNumberList(option: string, raw: string): number[] {
  const items = raw.split(',').map((s) => s.trim());
  return items.map((item, i) => {
    const value = item === '' ? Number.NaN : Number(item);
    if (!Number.isFinite(value)) {
      throw usageError(`--${option}: ${JSON.stringify(item)} (item ${i + 1}) is not a number`, `give --${option} a comma-separated list of numbers, e.g. --${option} 130,650,99`);
    }
    return value;
  });
}

function parseSingleNumber(option: string, raw: string): number {
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(value)) {
    throw usageError(`--${option}: ${JSON.stringify(raw)} is not a number`, `give --${option} one number, e.g. --${option} 386`);
  }
  return value;
}

function parsePercents(raw: readonly string[] | undefined): number[] {
  const percents = [...DEFAULT_INTERVAL_PERCENTS];
  for (const entry of raw ?? []) {
    for (const p of parseNumberList('percent', entry)) {
      if (!(p >= 1 && p < 100)) {
        throw usageError(`--percent: ${p} is out of range; expected a percent between 1 and 100 (exclusive)`, 'use 80 for an 80 % interval, not 0.8');
      }
      if (!percents.includes(p)) percents.push(p);
    }
  }
  return percents;
}

type RegressionOutput = Record<string, number | string | null>;

function regressionOutput(x: number[], y: number[], xk: number, percents: readonly number[]): RegressionOutput {
  const reg = linearRegression(x, y);
  const projection = projectRegression(reg, xk, percents);
  const out: RegressionOutput = {
    n: reg.n,
    beta0: reg.beta0,
    beta1: reg.beta1,
    r: reg.r,
    r2: reg.r2,
    significance: reg.significance,
    yk: projection.yk,
  };
  for (const percent of percents) {
    const interval = projection.intervals.find((i) => i.percent === percent);
    out[`range${percent}`] = interval?.range ?? null;
    out[`upi${percent}`] = interval?.upi ?? null;
    out[`lpi${percent}`] = interval?.lpi ?? null;
    out[`rawLpi${percent}`] = interval?.rawLpi ?? null;
  }
  Object.assign(out, { xMean: reg.xMean, yMean: reg.yMean, sigma: reg.sigma, tStatistic: reg.tStatistic, xk });
  out.reason = reg.reason ?? projection.reason;
  return out;
}

function formatValue(v: unknown): string {
  if (v === null || v === undefined) return 'n/a';
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return String(v);
    return Math.abs(v) !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e9) ? v.toExponential(6) : v.toFixed(6).replace(/0+$/, '').replace(/\.$/, '');
  }
  return String(v);
}

function alignedRows(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function regressionTable(out: RegressionOutput): string {
  const rows = Object.entries(out)
    .filter(([k]) => k !== 'reason' && !k.startsWith('rawLpi'))
    .map(([k, v]) => [k, formatValue(v)]);
  const text = alignedRows(rows);
  return out.reason ? `${text}\nnote: ${String(out.reason)}` : text;
}

function projectionTable(title: string, unit: string, p: ProbeProjection): string {
  const lines = [`${title}: method ${p.method}, ${formatValue(p.projected)} ${unit} (β0 ${formatValue(p.beta0)}, β1 ${formatValue(p.beta1)}, r² ${formatValue(p.r2)}, n ${p.n})`];
  for (const i of p.intervals) {
    lines.push(`  ${i.percent}% interval: ${formatValue(i.lpi)} .. ${formatValue(i.upi)} ${unit} (range ${formatValue(i.range)})`);
  }
  if (p.productivityRange) {
    lines.push(`  min/max from productivity: ${formatValue(p.productivityRange.min)} .. ${formatValue(p.productivityRange.max)} ${unit}`);
  }
  lines.push(
    alignedRows([
      ['  method', 'score', 'usable', 'projected', 'reason'],
      ...p.candidates.map((c) => [`  ${c.method}`, c.score.toFixed(2), c.usable ? 'yes' : 'no', formatValue(c.projected), c.reason]),
    ]),
  );
  return lines.join('\n');
}

function estimateTable(e: ProbeEstimate): string {
  return [
    `proxy size E: ${formatValue(e.proxySize)}; historical productivity: ${formatValue(e.productivityLocPerHour)} LOC/hour`,
    projectionTable('size', 'LOC', e.size),
    projectionTable('time', 'minutes', e.time),
  ].join('\n');
}

async function readHistory(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw usageError(`--history: cannot read ${file}: ${errorMessage(err)}`, 'give --history the path of a JSON or CSV history file');
  }
}

export async function runProbeCommand(argv: string[], io: CommandIo): Promise<number> {
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: false,
        strict: true,
        options: {
          x: { type: 'string' },
          y: { type: 'string' },
          xk: { type: 'string' },
          percent: { type: 'string', multiple: true },
          history: { type: 'string' },
          proxy: { type: 'string' },
          json: { type: 'boolean', default: false },
          help: { type: 'boolean', short: 'h', default: false },
        },
      });
    } catch (err) {
      throw usageError(errorMessage(err), 'run asp probe --help for the options');
    }
    const v = parsed.values;
    if (v.help) {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    const percents = parsePercents(v.percent);
    const wantsRegression = v.x !== undefined || v.y !== undefined || v.xk !== undefined;
    const wantsHistory = v.history !== undefined || v.proxy !== undefined;
    if (!wantsRegression && !wantsHistory) {
      throw usageError('missing options: give --x, --y and --xk, or --history and --proxy', 'e.g. asp probe --x 130,650,99 --y 186,699,132 --xk 386');
    }

    let regression: RegressionOutput | null = null;
    if (wantsRegression) {
      if (v.x === undefined) throw usageError('--x is missing: expected the historical x values', 'e.g. --x 130,650,99');
      if (v.y === undefined) throw usageError('--y is missing: expected the historical y values', 'e.g. --y 186,699,132');
      if (v.xk === undefined) throw usageError('--xk is missing: expected the x to project', 'e.g. --xk 386');
      const x = parseNumberList('x', v.x);
      const y = parseNumberList('y', v.y);
      if (x.length !== y.length) {
        throw usageError(`--x has ${x.length} values but --y has ${y.length}`, 'give one y value for every x value');
      }
      regression = regressionOutput(x, y, parseSingleNumber('xk', v.xk), percents);
    }

    let estimate: ProbeEstimate | null = null;
    if (wantsHistory) {
      if (v.history === undefined) throw usageError('--history is missing: --proxy needs a history file', 'e.g. --history history.csv --proxy 386');
      if (v.proxy === undefined) throw usageError("--proxy is missing: expected the new task's estimated proxy size E", 'e.g. --proxy 386');
      const proxySize = parseSingleNumber('proxy', v.proxy);
      if (proxySize < 0) throw usageError(`--proxy: ${proxySize} is negative; expected a size >= 0`, 'e.g. --proxy 386');
      const history = parseHistoryText(await readHistory(v.history), v.history);
      estimate = estimateWithProbe({ history, proxySize, intervalPercents: percents });
    }

    if (v.json) {
      const obj = regression ? { ...regression, ...(estimate ? { estimate } : {}) } : estimate;
      io.stdout(`${JSON.stringify(obj)}\n`);
    } else {
      const parts: string[] = [];
      if (regression) parts.push(regressionTable(regression));
      if (estimate) parts.push(estimateTable(estimate));
      io.stdout(`${parts.join('\n\n')}\n`);
    }
    return 0;
  } catch (err) {
    if (isAspError(err)) {
      io.stderr(`asp probe: ${err.describe()}\n`);
      return err.exitCode === 1 ? 2 : err.exitCode;
    }
    io.stderr(`asp probe: internal error: ${errorMessage(err)}\n`);
    return 1;
  }
}
