import { createHash } from 'node:crypto';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { ZodError } from 'zod';
import { AspError } from '../errors.ts';
import { ScenarioSchema, type Scenario } from './scenario-schema.ts';
import { generatedTaskId } from './task-plan.ts';
import { findInvalidUtf8, readRegularFile, TextFileError } from './text-file.ts';

export interface LoadedScenario {
  scenario: Scenario;
  /** Absolute or given path of the file, for messages. */
  file: string;
  /** The file's text as read (recorded so replays run the same scenario). */
  source: string;
  /** sha256 of the source. */
  hash: string;
}

const MAX_SCENARIO_BYTES = 5 * 1024 * 1024;

export interface ScenarioProblem {
  path: string;
  line?: number;
  column?: number;
  message: string;
}

/**
 * Reads and validates a scenario file: a regular file only (not a device, a
 * FIFO or a folder), at most MAX_SCENARIO_BYTES counted while reading, valid
 * UTF-8. Throws AspError('SCENARIO_INVALID' | 'SCENARIO_UNREADABLE', exit 2).
 */
export function loadScenarioFile(file: string): LoadedScenario {
  let bytes: Buffer;
  try {
    bytes = readRegularFile(file, MAX_SCENARIO_BYTES);
  } catch (err) {
    const problem = err instanceof TextFileError ? err.problem : undefined;
    if (problem?.kind === 'too-large') {
      throw new AspError('SCENARIO_INVALID', `${file}: ${err instanceof Error ? err.message : ''}; a scenario is at most ${MAX_SCENARIO_BYTES} bytes`, {
        exitCode: 2,
        hint: 'use `generate:` in a cycle to create many tasks instead of listing them',
      });
    }
    throw new AspError('SCENARIO_UNREADABLE', `${file}: cannot read the scenario file: ${err instanceof Error ? err.message : String(err)}`, {
      exitCode: 2,
      cause: err,
      hint: 'give the path of a YAML file; scenarios live in scenarios/, e.g. `npm run simulate scenarios/task-a.yaml`',
    });
  }
  const bad = findInvalidUtf8(bytes);
  if (bad) {
    throw invalid(file, [
      { path: '', line: bad.line, column: bad.column, message: `byte ${bad.offset} (0x${bytes[bad.offset]!.toString(16).padStart(2, '0')}) is not valid UTF-8; save the file as UTF-8` },
    ]);
  }
  return parseScenario(bytes.toString('utf8'), file);
}

/** Validates scenario text. `file` is only used in messages. Any failure is AspError('SCENARIO_INVALID', exit 2). */
export function parseScenario(source: string, file = '<scenario>'): LoadedScenario {
  try {
    return parseScenarioText(source, file);
  } catch (err) {
    if (err instanceof AspError) throw err;
    // Whatever the YAML parser or the schema throws on hostile input (e.g. a stack overflow) is still bad input.
    throw invalid(file, [{ path: '', message: `cannot read the document: ${tooDeep(err) ? NESTED_TOO_DEEP : (err as Error).message}` }]);
  }
}

const NESTED_TOO_DEEP = 'the document is nested too deeply to read';
const UNSAFE_WARNINGS = new Set(['TAG_RESOLVE_FAILED', 'BAD_COLLECTION_TYPE']);

function tooDeep(err: unknown): boolean {
  return err instanceof RangeError || /Maximum call stack size exceeded/.test(String((err as Error)?.message ?? err));
}

function invalid(file: string, problems: ScenarioProblem[]): AspError {
  return invalidDocument(file, problems, { what: 'scenario', hint: 'fix the fields above; the scenario format is described in README.md ("Scenario format")' });
}

/** The exit-2 error for a YAML document with problems, each given as file:line:col (path): message. */
export function invalidDocument(file: string, problems: ScenarioProblem[], doc: { what: string; hint: string }): AspError {
  const lines = problems.slice(0, 10).map((p) => `  ${formatWhere(file, p)}: ${p.message}`);
  if (problems.length > 10) lines.push(`  … and ${problems.length - 10} more`);
  return new AspError('SCENARIO_INVALID', `${file} is not a valid ${doc.what}:\n${lines.join('\n')}`, {
    exitCode: 2,
    hint: doc.hint,
    details: { problems },
  });
}

/** A YAML document read for validation: the plain data plus what locates a path in the text. */
export interface YamlDocument {
  data: Record<string, unknown>;
  doc: Document;
  lineCounter: LineCounter;
}

/**
 * Reads YAML text as a mapping: refuses binary, empty, tagged or malformed
 * documents, each problem with its line and column. `fail` throws.
 */
export function readYamlMapping(source: string, fail: (problems: ScenarioProblem[]) => never, expected = 'name, seed, cycles'): YamlDocument {
  if (source.includes('\u0000')) fail([{ path: '', message: 'the file is binary, expected YAML text' }]);
  if (source.trim() === '') fail([{ path: '', message: `the file is empty, expected a YAML mapping with ${expected}` }]);

  const lineCounter = new LineCounter();
  // logLevel 'error': the parser's warnings go to doc.warnings, never to process warnings.
  const doc = parseDocument(source, { lineCounter, prettyErrors: true, uniqueKeys: true, logLevel: 'error' });
  // An unknown tag (`!!js/function`, `!!timestamp`) would silently become a string: refuse it.
  const errors = [...doc.errors, ...doc.warnings.filter((w) => UNSAFE_WARNINGS.has(w.code))];
  if (errors.length > 0) {
    const deep = errors.find((e) => tooDeep(e));
    fail(
      (deep ? [deep] : errors).map((e) => {
        const pos = e.linePos?.[0];
        let message = tooDeep(e) ? NESTED_TOO_DEEP : (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
        if (e.code === 'TAG_RESOLVE_FAILED') message += ' (a scenario is plain YAML, without tags)';
        return { path: '', line: pos?.line, column: pos?.col, message: `YAML${e.name === 'YAMLWarning' ? '' : ' syntax'}: ${message}` };
      }),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    fail([{ path: '', message: `YAML: ${tooDeep(err) ? NESTED_TOO_DEEP : (err as Error).message}` }]);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    fail([{ path: '', line: 1, column: 1, message: `expected a YAML mapping (${expected}, …), got ${Array.isArray(data) ? 'a list' : typeof data === 'object' ? 'nothing' : typeof data}` }]);
  }
  return { data: data as Record<string, unknown>, doc, lineCounter };
}

function parseScenarioText(source: string, file: string): LoadedScenario {
  const fail = (problems: ScenarioProblem[]): never => {
    throw invalid(file, problems);
  };
  const { data, doc, lineCounter } = readYamlMapping(source, fail);
  const result = ScenarioSchema.safeParse(data);
  if (!result.success) fail(zodProblems(result.error, doc, lineCounter));
  const scenario = result.data as Scenario;
  checkUniqueTaskIds(scenario, fail, doc, lineCounter);
  return { scenario, file, source, hash: createHash('sha256').update(source).digest('hex') };
}

/**
 * Task ids are unique across the whole scenario, explicit and generated
 * (a generated id is `<idPrefix>-c<cycle>-<n>`): two tasks with one id would
 * share one row and one outcome would be lost. Generated ids cannot collide
 * with each other (the cycle number is part of them), so only explicit ids
 * are checked, each against the explicit ones and the generators.
 */
function checkUniqueTaskIds(scenario: Scenario, fail: (p: ScenarioProblem[]) => never, doc: Document, lineCounter: LineCounter): void {
  const seen = new Map<string, string>();
  const where = (path: Array<string | number>) => ({ path: formatPath(path), ...locate(doc, lineCounter, path, false) });
  scenario.cycles.forEach((cycle, c) =>
    cycle.tasks.forEach((task, t) => {
      const path = ['cycles', c, 'tasks', t, 'id'];
      const previous = seen.get(task.id);
      if (previous) fail([{ ...where(path), message: `task id "${task.id}" is used twice (first at ${previous}); ids must be unique` }]);
      seen.set(task.id, formatPath(path));
      const generator = generatorOf(scenario, task.id);
      if (generator !== undefined) {
        const g = formatPath(['cycles', generator, 'generate']);
        fail([{ ...where(path), message: `task id "${task.id}" is also the id of a task that ${g} creates; ids must be unique (rename the task or change generate.idPrefix)` }]);
      }
    }),
  );
}

/** The index of the cycle whose `generate` creates a task with this id, if any. */
function generatorOf(scenario: Scenario, id: string): number | undefined {
  const m = /^(.+)-c(\d+)-(\d+)$/.exec(id);
  if (!m) return undefined;
  const cycle = Number(m[2]) - 1;
  const generate = scenario.cycles[cycle]?.generate;
  if (!generate || generate.idPrefix !== m[1]) return undefined;
  const n = Number(m[3]);
  return n >= 1 && n <= generate.count && generatedTaskId(generate.idPrefix, cycle, n, generate.count) === id ? cycle : undefined;
}

/** zod issues as problems located in the YAML text (unknown keys point at the key). */
export function zodProblems(error: ZodError, doc: Document, lineCounter: LineCounter): ScenarioProblem[] {
  return error.issues.map((issue) => {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    let message = issue.message;
    let keyPath = path;
    if (issue.code === 'unrecognized_keys') {
      message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; check the spelling (see README "Scenario format")`;
      keyPath = [...path, issue.keys[0] ?? ''];
    } else if (issue.code === 'invalid_type') {
      message = `${message}`;
    }
    const pos = locate(doc, lineCounter, keyPath, issue.code === 'unrecognized_keys');
    return { path: formatPath(path.concat(issue.code === 'unrecognized_keys' ? [] : [])), ...pos, message };
  });
}

/** Line and column of the deepest node of `path` that exists (its key when `wantKey`). */
export function locate(doc: Document, lineCounter: LineCounter, path: Array<string | number>, wantKey: boolean): { line?: number; column?: number } {
  for (let len = path.length; len >= 0; len--) {
    const sub = path.slice(0, len);
    let node: unknown = sub.length === 0 ? doc.contents : doc.getIn(sub, true);
    if (wantKey && len === path.length && len > 0) {
      const parent = doc.getIn(sub.slice(0, -1), true) as { items?: Array<{ key: unknown }> } | undefined;
      const pair = parent?.items?.find((item) => isNode(item.key) && (item.key as { value?: unknown }).value === sub[sub.length - 1]);
      if (pair) node = pair.key;
    }
    if (isNode(node) && node.range) {
      const pos = lineCounter.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return {};
}

export function formatPath(path: ReadonlyArray<string | number>): string {
  return path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

function formatWhere(file: string, p: ScenarioProblem): string {
  const pos = p.line !== undefined ? `:${p.line}:${p.column ?? 1}` : '';
  return `${file}${pos}${p.path ? ` (${p.path})` : ''}`;
}
