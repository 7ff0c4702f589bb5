#!/usr/bin/env node
// The in-process transport on scenarios/load-200.yaml, with the queue
// transport on the same scenario in the same run (ratios are what to compare;
// absolute times move with the machine's load):
//
//   node test/bench/inline.mjs [--scenario scenarios/load-200.yaml] [--repeat 5] [--skip-queue] [--json]
//
//   engine, inline     runScenario on the inline transport in one process,
//                      nothing watching but the outcome digest: the first
//                      run (cold) and the best of --repeat
//   simulate, inline   `asp simulate <scenario> --transport inline`: the run
//                      as the command does it (telemetry database, recording,
//                      summary, HTML report), its wall time inside the command
//   simulate, queue    the same on the persona queues and listeners (Redis:
//                      REDIS_URL or 127.0.0.1:6379)
// Every figure's outcome digest must be the same (determinism: same scenario
// and seed, same digest on every transport).
// Goal (issue 15): the inline transport runs load-200 at ≥ 2,000 tasks/s.
// Needs a fresh build (`npm run build`).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'scenarios/load-200.yaml' },
    repeat: { type: 'string', default: '5' },
    'skip-queue': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const repeat = Math.max(1, Number(values.repeat));
const scenarioFile = resolve(ROOT, values.scenario);
const { distState } = await import(pathToFileURL(join(ROOT, 'src/cli/dist-build.js')).href);
if (distState() !== 'fresh') {
  console.error('inline bench: dist/ is missing or older than src/; run `npm run build` first');
  process.exit(2);
}
const tmp = mkdtempSync(join(tmpdir(), 'asp-bench-inline-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const dist = (path) => JSON.stringify(pathToFileURL(join(ROOT, 'dist', path)).href);

function engine() {
  const r = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `
      import { readFileSync } from 'node:fs';
      const { runScenario } = await import(${dist('engine/run-engine.js')});
      const { InlineTransport } = await import(${dist('engine/inline-transport.js')});
      const { parseScenario } = await import(${dist('scenario/scenario-loader.js')});
      const { scenario } = parseScenario(readFileSync(${JSON.stringify(scenarioFile)}, 'utf8'), ${JSON.stringify(scenarioFile)});
      const times = []; let ran;
      for (let i = 0; i < ${repeat}; i++) {
        const t0 = performance.now();
        ran = await runScenario({ runId: 'bench-inline', scenario, transport: new InlineTransport({ workspaceRoot: ${JSON.stringify(join(tmp, 'ws'))} }) });
        times.push(performance.now() - t0);
      }
      console.log(JSON.stringify({ tasks: ran.progress.total, digest: ran.digest, first: times[0], best: Math.min(...times) }));`,
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`engine child exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

function simulate(transport, i) {
  const dir = join(tmp, `${transport}-${i}`);
  const args = [join(ROOT, 'src/cli/asp.js'), 'simulate', scenarioFile, '--json', '--db', join(dir, 'db.sqlite'), '--runs-dir', join(dir, 'runs'), '--workspaces', join(dir, 'ws')];
  if (transport === 'inline') args.push('--transport', 'inline');
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`asp simulate (${transport}) exited ${r.status}: ${r.stderr}`);
  const j = JSON.parse(r.stdout.trim().split('\n').at(-1));
  return { tasks: j.totals.tasks, digest: j.digest, ms: j.wallMs };
}

function bestOf(transport, n) {
  const runs = Array.from({ length: n }, (_, i) => simulate(transport, i));
  return { ...runs[0], ms: Math.min(...runs.map((r) => r.ms)) };
}

const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const e = engine();
const si = bestOf('inline', Math.min(repeat, 3));
const sq = values['skip-queue'] ? undefined : bestOf('queue', Math.min(repeat, 3));
const perS = (tasks, ms) => tasks / (ms / 1000);
const result = {
  loadAverage: load,
  scenario: values.scenario,
  engineInline: { tasks: e.tasks, firstMs: e.first, bestMs: e.best, tasksPerS: perS(e.tasks, e.best), tasksPerSFirst: perS(e.tasks, e.first), digest: e.digest },
  simulateInline: { ...si, tasksPerS: perS(si.tasks, si.ms) },
  ...(sq ? { simulateQueue: { ...sq, tasksPerS: perS(sq.tasks, sq.ms) } } : {}),
};
const digests = new Set([e.digest, si.digest, ...(sq ? [sq.digest] : [])]);
result.sameDigest = digests.size === 1;

if (values.json) {
  console.log(JSON.stringify(result));
} else {
  const f = (n) => Math.round(n).toLocaleString('en');
  console.log(`load average ${load}; ${values.scenario}, ${e.tasks} tasks`);
  console.log(`engine, inline     best ${f(e.best)} ms → ${f(result.engineInline.tasksPerS)} tasks/s; first (cold) ${f(e.first)} ms → ${f(result.engineInline.tasksPerSFirst)} tasks/s`);
  console.log(`simulate, inline   best ${f(si.ms)} ms → ${f(result.simulateInline.tasksPerS)} tasks/s (telemetry database, recording, summary, report)`);
  if (sq) console.log(`simulate, queue    best ${f(sq.ms)} ms → ${f(result.simulateQueue.tasksPerS)} tasks/s; inline ×${(sq.ms / si.ms).toFixed(1)} faster`);
  console.log(`digest             ${result.sameDigest ? `the same on every run: ${e.digest}` : `DIFFERS: ${[...digests].join(' ')}`}`);
  console.log(
    `goal (issue 15): inline ≥ 2,000 tasks/s on load-200: engine ${f(result.engineInline.tasksPerS)} → ${result.engineInline.tasksPerS >= 2000 ? 'met' : 'missed'}; simulate ${f(result.simulateInline.tasksPerS)} → ${result.simulateInline.tasksPerS >= 2000 ? 'met' : 'missed'}`,
  );
}
if (!result.sameDigest) process.exitCode = 1;
