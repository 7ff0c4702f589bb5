import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { AspError } from '../errors.ts';
import { invalidDocument, loadScenarioFile, locate, readYamlMapping, zodProblems, type LoadedScenario, type ScenarioProblem } from '../scenario/scenario-loader.ts';
import { ScenarioSchema, type Scenario } from '../scenario/scenario-schema.ts';
import { parseExpectation, type Expectation } from './experiment-expectations.ts';
import { DEFAULT_METRICS, metricSpec, type MetricSpec } from './experiment-metrics.ts';
import { ExperimentSchema, type ExperimentFile, type ForecastOptions } from './experiment-schema.ts';
import { checkPathInSchema, parsePath, setPath, type ParameterPath } from './parameter-path.ts';
import { expandGrid, findVariant, type GridAxis, type VariantSettings } from './variant-grid.ts';
import { parseDuration } from './forecast.ts';

/** A variant ready to run: its settings applied to the base scenario and validated. */
export interface Variant extends VariantSettings {
  scenario: Scenario;
}

/** An experiment file, validated and expanded: what runs and what is compared. */
export interface ExperimentPlan {
  name: string;
  description?: string;
  file: string;
  /** sha256 of the experiment file and of the base scenario (the results depend on both). */
  hash: string;
  base: Pick<LoadedScenario, 'file' | 'hash'> & { name: string };
  seeds: Array<string | number>;
  variants: Variant[];
  baseline: number;
  metrics: MetricSpec[];
  forecast: ForecastOptions & { byHours?: number };
  expect: Expectation[];
  /** No `vary:`: one variant, many seeds. */
  isForecast: boolean;
}

const MAX_BYTES = 1024 * 1024;
const MAX_RUNS = 1_000_000;

/** Reads and validates an experiment file and its base scenario. Bad input: AspError, exit 2, nothing written. */
export function loadExperimentFile(file: string): ExperimentPlan {
  let source: string;
  try {
    if (statSync(file).size > MAX_BYTES) throw new AspError('SCENARIO_INVALID', `${file}: an experiment file is at most ${MAX_BYTES} bytes`, { exitCode: 2 });
    source = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof AspError) throw err;
    throw new AspError('SCENARIO_UNREADABLE', `${file}: cannot read the experiment file (${(err as NodeJS.ErrnoException).code ?? String(err)})`, {
      exitCode: 2,
      cause: err,
      hint: 'check the path; experiments live in scenarios/experiments/, e.g. `npm run experiment scenarios/experiments/review-yield.yaml`',
    });
  }
  return parseExperiment(source, file);
}

const HINT = 'fix the fields above; the experiment format is described in README.md ("Experiments")';

export function parseExperiment(source: string, file = '<experiment>'): ExperimentPlan {
  const fail = (problems: ScenarioProblem[]): never => {
    throw invalidDocument(file, problems, { what: 'experiment', hint: HINT });
  };
  const { data, doc, lineCounter } = readYamlMapping(source, fail, 'name, scenario, seeds, vary');
  const parsed = ExperimentSchema.safeParse(data);
  if (!parsed.success) fail(zodProblems(parsed.error, doc, lineCounter));
  const exp = parsed.data as ExperimentFile;
  const at = (path: Array<string | number>, message: string, wantKey = false): ScenarioProblem => ({
    path: path.map(String).join('.'),
    ...locate(doc, lineCounter, path, wantKey),
    message,
  });

  const scenarioFile = resolve(dirname(file), exp.scenario);
  let base: LoadedScenario;
  try {
    base = loadScenarioFile(scenarioFile);
  } catch (err) {
    if (err instanceof AspError && err.code === 'SCENARIO_UNREADABLE') fail([at(['scenario'], `cannot read the base scenario ${scenarioFile}`)]);
    throw err;
  }
  // Experiments compare the model, not git: `workspace: none` unless `set:` asks for git.
  let input: unknown = { ...(parseYaml(base.source) as Record<string, unknown>), workspace: 'none' };
  const problems: ScenarioProblem[] = [];

  for (const [text, value] of Object.entries(exp.set)) {
    const path = parsePath(text);
    const bad = typeof path === 'string' ? path : checkPathInSchema(path, input);
    if (bad) problems.push(at(['set', text], bad, true));
    else input = setPath(input, path as ParameterPath, value);
  }
  const setResult = ScenarioSchema.safeParse(input);
  if (problems.length === 0 && !setResult.success) problems.push(at(['set'], `the base scenario with these settings is not valid: ${issueText(setResult.error.issues)}`));
  if (problems.length > 0) fail(problems);

  const axes: GridAxis[] = [];
  for (const [text, values] of Object.entries(exp.vary)) {
    const path = parsePath(text);
    const bad = typeof path === 'string' ? path : checkPathInSchema(path, input);
    if (bad) {
      problems.push(at(['vary', text], bad, true));
      continue;
    }
    const p = path as ParameterPath;
    values.forEach((value, i) => {
      const message = valueProblem(input, p, value);
      if (message) problems.push(at(['vary', text, i], `value ${JSON.stringify(value)} for ${text}: ${message}`));
    });
    axes.push({ path: p, values });
  }
  if (problems.length > 0) fail(problems);

  const grid = expandGrid(axes);
  const variants: Variant[] = grid.map((v) => {
    const variantInput = v.settings.reduce((acc, s) => setPath(acc, axes.find((a) => a.path.text === s.path)!.path, s.value), input);
    const result = ScenarioSchema.safeParse(variantInput);
    if (!result.success) fail([at(['vary'], `the variant ${v.label} is not a valid scenario: ${issueText(result.error.issues)}`)]);
    return { ...v, scenario: result.data as Scenario };
  });

  let baseline = 0;
  if (exp.baseline) {
    for (const key of Object.keys(exp.baseline)) if (!(key in exp.vary)) problems.push(at(['baseline', key], `"${key}" is not a path under vary:`, true));
    if (problems.length === 0) {
      const wanted = Object.fromEntries(axes.map((a) => [a.path.text, a.path.text in exp.baseline! ? exp.baseline![a.path.text] : a.values[0]]));
      baseline = findVariant(grid, wanted);
      if (baseline < 0) problems.push(at(['baseline'], 'the baseline must be a point of the grid: each value one of the values listed under vary:'));
    }
  }

  const metrics = (exp.metrics ?? [...DEFAULT_METRICS]).map((ref, i) => {
    const spec = metricSpec(ref);
    if (typeof spec === 'string') problems.push(at(exp.metrics ? ['metrics', i] : [], spec));
    return spec;
  });
  const expect = exp.expect.map((text, i) => {
    const e = parseExpectation(text);
    if (typeof e === 'string') problems.push(at(['expect', i], e));
    return e;
  });
  const seeds = seedList(exp.seeds, variants[0]?.scenario.seed ?? 1);
  if (seeds.length * variants.length > MAX_RUNS) problems.push(at(['seeds'], `${variants.length} variants × ${seeds.length} seeds is more than ${MAX_RUNS} runs`));
  if (new Set(seeds.map(String)).size !== seeds.length) problems.push(at(['seeds'], 'the seeds must be distinct'));
  if (problems.length > 0) fail(problems);

  return {
    name: exp.name,
    ...(exp.description ? { description: exp.description } : {}),
    file,
    hash: createHash('sha256').update(source).update('\n').update(base.hash).digest('hex'),
    base: { file: base.file, hash: base.hash, name: base.scenario.name },
    seeds,
    variants,
    baseline,
    metrics: metrics as MetricSpec[],
    forecast: { ...exp.forecast, ...(exp.forecast.by ? { byHours: parseDuration(exp.forecast.by, exp.forecast.hoursPerDay) } : {}) },
    expect: expect as Expectation[],
    isForecast: axes.length === 0,
  };
}

/** A forecast without a file: one scenario, many seeds (`asp forecast <scenario>`). */
export function forecastPlan(base: LoadedScenario, seeds: number, forecast: ForecastOptions & { byHours?: number }): ExperimentPlan {
  const scenario = { ...base.scenario, workspace: 'none' as const };
  return {
    name: `Forecast of ${base.scenario.name}`,
    file: base.file,
    hash: createHash('sha256').update(`forecast\n${seeds}\n`).update(base.hash).digest('hex'),
    base: { file: base.file, hash: base.hash, name: base.scenario.name },
    seeds: seedList(seeds, base.scenario.seed),
    variants: [{ index: 0, label: 'as planned', settings: [], scenario }],
    baseline: 0,
    metrics: DEFAULT_METRICS.map((ref) => metricSpec(ref) as MetricSpec),
    forecast,
    expect: [],
    isForecast: true,
  };
}

/** `seeds: 30` → the base seed and the next 29 (a text seed gets -1, -2, … appended); a list is taken as it is. */
export function seedList(seeds: number | ReadonlyArray<string | number>, baseSeed: string | number): Array<string | number> {
  if (typeof seeds !== 'number') return [...seeds];
  return Array.from({ length: seeds }, (_, i) => (typeof baseSeed === 'number' ? baseSeed + i : `${baseSeed}-${i + 1}`));
}

function valueProblem(input: unknown, path: ParameterPath, value: unknown): string | undefined {
  if (path.truncate) {
    const list = path.segments.reduce<unknown>((node, s) => (node && typeof node === 'object' ? (node as Record<string | number, unknown>)[s] : undefined), input);
    const length = Array.isArray(list) ? list.length : 0;
    if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > length) return `expected a whole number from 0 to ${length} (the entries in the base scenario)`;
  }
  const result = ScenarioSchema.safeParse(setPath(input, path, value));
  return result.success ? undefined : issueText(result.error.issues);
}

function issueText(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string {
  return issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? `${i.path.map(String).join('.')}: ` : ''}${i.message}`)
    .join('; ');
}
