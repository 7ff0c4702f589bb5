#!/usr/bin/env node
// Start-up figures of the `asp` command against `node -e 0`, measured in the
// same run (ratios are what to compare; absolute times move with the load):
//
//   node test/bench/startup.mjs [--runs 5] [--docker] [--json]
//
//   node -e 0            the floor: a bare Node start
//   asp --help           the launcher and the command table
//   asp probe --json     a small command end to end
//   bare listener        test/bench/bare-listener.mjs spawned → "listener ready":
//                        BullMQ loaded, a Worker ready, one heartbeat written
//   listener ready       `asp listen` spawned as the runtimes spawn it (the
//                        compiled entry, dist/cli/entry.js) → its "listener
//                        ready" log line (real Redis: REDIS_URL or
//                        127.0.0.1:6379, private prefix)
//   task-a wall          `asp simulate scenarios/task-a.yaml` on the process runtime
//   task-a docker wall   (--docker) the same with `--runtime docker`, after one
//                        untimed run that builds the image when needed
//                        (ASP_DOCKER_IMAGE names the image, default asp-platform:latest)
//
// The spawn measurements take turns (node, bare, listener, node, …), so a
// change in the machine's load falls on all of them alike.
// Goals (issue 15): asp --help ≤ 2× node -e 0; listener ready ≤ 0.5 s;
// task-a ≤ 2.5 s; docker task-a ≤ 2× the process runtime.
// ASP_BIN picks the command entry to measure (default src/cli/asp.js, the
// `asp` bin); ASP_LISTENER_BIN the listener's (default dist/cli/entry.js).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ASP = resolve(ROOT, process.env.ASP_BIN ?? 'src/cli/asp.js');
const LISTENER = resolve(ROOT, process.env.ASP_LISTENER_BIN ?? 'dist/cli/entry.js');
const BARE = resolve(ROOT, 'test/bench/bare-listener.mjs');
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

/** Spawn → the "listener ready" line of `args` (a listener, or the bare one). */
function spawnReady(args) {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ASP_PERSONA: 'alex',
        ASP_REDIS_URL: redisUrl,
        ASP_QUEUE_PREFIX: `asp-startup-${randomBytes(4).toString('hex')}`,
        ASP_LISTENER_ID: 'alex-bench',
        ASP_WORKSPACE_ROOT: tmpdir(),
      },
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

const { distState } = await import(resolve(ROOT, 'src/cli/dist-build.js'));
if (distState(ROOT) !== 'fresh') console.error(`startup: dist/ is ${distState(ROOT)} (npm run build): the listener figures are of the last build, asp's of the sources through tsx`);
const f = {};
f.loadAverage = (await import('node:os'))
  .loadavg()
  .map((x) => x.toFixed(2))
  .join(' ');
f.entry = ASP.slice(ROOT.length + 1);
f.listenerEntry = LISTENER.slice(ROOT.length + 1);
timeOnce([ASP, '--help']); // warm the file cache (and tsx's, where it is used)
await spawnReady([LISTENER, 'listen']);
await spawnReady([BARE]);
const spawnNode = () => timeOnce(['-e', '0']);
const turns = { node: [], help: [], probe: [], bare: [], listener: [] };
for (let i = 0; i < runs; i++) {
  turns.node.push(spawnNode());
  turns.help.push(timeOnce([ASP, '--help']));
  turns.probe.push(timeOnce([ASP, 'probe', '--x', '130,650,99,150', '--y', '186,699,132,272', '--xk', '386', '--json']));
  turns.bare.push(await spawnReady([BARE]));
  turns.listener.push(await spawnReady([LISTENER, 'listen']));
}
f.nodeMs = median(turns.node);
f.helpMs = median(turns.help);
f.probeMs = median(turns.probe);
f.bareListenerMs = median(turns.bare);
f.listenerReadyMs = median(turns.listener);
const taskA = [];
const taskANode = [];
for (let i = 0; i < Math.min(runs, 3); i++) {
  taskANode.push(spawnNode());
  taskA.push(simulateWall([]));
}
f.taskAMs = median(taskA.map((t) => t.ms));
f.taskAInnerMs = median(taskA.map((t) => t.innerMs));
f.taskANodeMs = median(taskANode);
if (values.docker) {
  simulateWall(['--runtime', 'docker']); // builds the image when it is out of date
  const docker = Array.from({ length: Math.min(runs, 2) }, () => simulateWall(['--runtime', 'docker']));
  f.taskADockerMs = median(docker.map((t) => t.ms));
}
f.ratios = {
  helpVsNode: f.helpMs / f.nodeMs,
  probeVsNode: f.probeMs / f.nodeMs,
  listenerVsNode: f.listenerReadyMs / f.nodeMs,
  listenerVsBare: f.listenerReadyMs / f.bareListenerMs,
  taskAVsNode: f.taskAMs / f.taskANodeMs,
  taskAVsHelp: f.taskAMs / f.helpMs,
  ...(f.taskADockerMs ? { dockerVsProcess: f.taskADockerMs / f.taskAMs } : {}),
};

if (values.json) {
  console.log(JSON.stringify(f));
} else {
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`load average ${f.loadAverage}; entry ${f.entry}, listener ${f.listenerEntry}; medians of ${runs} (task-a: ${Math.min(runs, 3)})`);
  console.log(`node -e 0          ${s(f.nodeMs)}`);
  console.log(`asp --help         ${s(f.helpMs)}  ×${f.ratios.helpVsNode.toFixed(2)} of node -e 0 (goal ≤ 2)`);
  console.log(`asp probe --json   ${s(f.probeMs)}  ×${f.ratios.probeVsNode.toFixed(2)} of node -e 0`);
  console.log(`bare listener      ${s(f.bareListenerMs)}  ×${(f.bareListenerMs / f.nodeMs).toFixed(2)} of node -e 0 (BullMQ Worker + heartbeat, nothing else)`);
  console.log(
    `listener ready     ${s(f.listenerReadyMs)}  ×${f.ratios.listenerVsNode.toFixed(2)} of node -e 0, ×${f.ratios.listenerVsBare.toFixed(2)} of the bare listener (goal ≤ 0.5 s after spawn)`,
  );
  console.log(
    `task-a wall        ${s(f.taskAMs)}  ×${f.ratios.taskAVsNode.toFixed(1)} of node -e 0 (${s(f.taskANodeMs)} in those turns), ×${f.ratios.taskAVsHelp.toFixed(1)} of asp --help (run inside the command ${s(f.taskAInnerMs)}; goal ≤ 2.5 s)`,
  );
  if (f.taskADockerMs) console.log(`task-a docker wall ${s(f.taskADockerMs)}  ×${f.ratios.dockerVsProcess.toFixed(2)} of the process runtime (goal ≤ 2)`);
}
