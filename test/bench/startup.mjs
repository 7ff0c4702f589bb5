#!/usr/bin/env node
// Start-up figures of the `asp` command against `node -e 0`, measured in the
// same run (ratios are what to compare; absolute times move with the load):
//
//   node test/bench/startup.mjs [--runs 5] [--docker] [--json]
//
//   node -e 0            the floor: a bare Node start
//   asp --help           the launcher and the command table
//   asp probe --json     a small command end to end
//   listener ready       `asp listen` spawned → its "listener ready" log line
//                        (real Redis: REDIS_URL or 127.0.0.1:6379, private prefix)
//   task-a wall          `asp simulate scenarios/task-a.yaml` on the process runtime
//   task-a docker wall   (--docker) the same with `--runtime docker`, after one
//                        untimed run that builds the image when needed
//
// Goals (issue 15): asp --help ≤ 2× node -e 0; listener ready ≤ 0.5 s;
// task-a ≤ 2.5 s; docker task-a ≤ 2× the process runtime.
// ASP_BIN picks the entry to measure (default src/cli/asp.js, the `asp` bin).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ASP = resolve(ROOT, process.env.ASP_BIN ?? 'src/cli/asp.js');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, docker: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } } });
const runs = Number(values.runs);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function timeOnce(args, options = {}) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const timeMedian = (args, n = runs, options) => median(Array.from({ length: n }, () => timeOnce(args, options)));

function listenerReady() {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [ASP, 'listen'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ASP_PERSONA: 'alex', ASP_REDIS_URL: redisUrl, ASP_QUEUE_PREFIX: `asp-startup-${randomBytes(4).toString('hex')}`, ASP_LISTENER_ID: 'alex-bench', ASP_WORKSPACE_ROOT: tmpdir() },
    });
    let out = '';
    let ready;
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const onData = (c) => {
      out += c;
      if (ready === undefined && out.includes('listener ready')) {
        ready = performance.now() - t0;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', () => {
      clearTimeout(timer);
      if (ready === undefined) fail(new Error(`listener never became ready:\n${out}`));
      else done(ready);
    });
  });
}

function simulateWall(extra) {
  const dir = mkdtempSync(join(tmpdir(), 'asp-startup-'));
  try {
    const args = [ASP, 'simulate', 'scenarios/task-a.yaml', '--json', '--db', join(dir, 'db.sqlite'), '--runs-dir', join(dir, 'runs'), '--workspaces', join(dir, 'ws'), ...extra];
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, REDIS_URL: redisUrl } });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`asp simulate ${extra.join(' ')} exited ${r.status}: ${r.stderr}`);
    const summary = JSON.parse(r.stdout.toString().trim().split('\n').pop());
    return { ms, innerMs: summary.wallMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const f = {};
f.loadAverage = (await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ');
f.entry = ASP.slice(ROOT.length + 1);
timeOnce([ASP, '--help']); // warm the file cache (and tsx's, where it is used)
f.nodeMs = timeMedian(['-e', '0']);
f.helpMs = timeMedian([ASP, '--help']);
f.probeMs = timeMedian([ASP, 'probe', '--x', '130,650,99,150', '--y', '186,699,132,272', '--xk', '386', '--json']);
f.listenerReadyMs = median(await Array.from({ length: Math.min(runs, 3) }).reduce(async (acc) => [...(await acc), await listenerReady()], Promise.resolve([])));
const taskA = Array.from({ length: Math.min(runs, 3) }, () => simulateWall([]));
f.taskAMs = median(taskA.map((t) => t.ms));
f.taskAInnerMs = median(taskA.map((t) => t.innerMs));
if (values.docker) {
  simulateWall(['--runtime', 'docker']); // builds the image when it is out of date
  const docker = Array.from({ length: Math.min(runs, 2) }, () => simulateWall(['--runtime', 'docker']));
  f.taskADockerMs = median(docker.map((t) => t.ms));
}
f.ratios = {
  helpVsNode: f.helpMs / f.nodeMs,
  probeVsNode: f.probeMs / f.nodeMs,
  ...(f.taskADockerMs ? { dockerVsProcess: f.taskADockerMs / f.taskAMs } : {}),
};

if (values.json) {
  console.log(JSON.stringify(f));
} else {
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`load average ${f.loadAverage}; entry ${f.entry}; medians of ${runs} (listener, task-a: ${Math.min(runs, 3)})`);
  console.log(`node -e 0          ${s(f.nodeMs)}`);
  console.log(`asp --help         ${s(f.helpMs)}  ×${f.ratios.helpVsNode.toFixed(2)} of node -e 0 (goal ≤ 2)`);
  console.log(`asp probe --json   ${s(f.probeMs)}  ×${f.ratios.probeVsNode.toFixed(2)} of node -e 0`);
  console.log(`listener ready     ${s(f.listenerReadyMs)}  (goal ≤ 0.5 s after spawn)`);
  console.log(`task-a wall        ${s(f.taskAMs)}  (run inside the command ${s(f.taskAInnerMs)}; goal ≤ 2.5 s)`);
  if (f.taskADockerMs) console.log(`task-a docker wall ${s(f.taskADockerMs)}  ×${f.ratios.dockerVsProcess.toFixed(2)} of the process runtime (goal ≤ 2)`);
}
