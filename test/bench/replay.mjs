#!/usr/bin/env node
// Replay speed and memory on the 1,000-task recording, against a bare
// baseline measured in the same run (ratios are what to compare; absolute
// times move with the machine's load):
//
//   node test/bench/replay.mjs [--run runs/<runId>] [--repeat 5] [--tasks 10000] [--json]
//
//   bare read+parse   gunzip the recording, split it into lines, JSON.parse
//                     each: the floor of any replay of this file
//   replay            openRecording + replayRecording in one process (the
//                     engine and its task machines on the recording
//                     transport, every transition, request and digest
//                     checked): the first run (cold, as `asp replay` is)
//                     and the best of --repeat
//   asp replay        the command's wall time (Node start-up included)
//   --tasks n         also record an n-task run (the same scenario, bigger)
//                     and replay it: peak RSS of both replays (flat memory:
//                     the reader streams); --big-run <dir>: that recording
//                     instead of a new one
//
// Events are the task machines' events (what the replay report counts); the
// recording also holds one dispatch and one result line per step.
// Goals (issue 15): replay ≥ 50,000 events/s (at least 20,000); ≤ 400 bytes
// of recording per event; replay memory flat in the recording's length.
// Without --run, the recording is made first with
// `asp simulate scenarios/replay-1000.yaml --transport inline` (same digest
// as the queues). Needs a fresh build (`npm run build`).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: { run: { type: 'string' }, 'big-run': { type: 'string' }, repeat: { type: 'string', default: '5' }, tasks: { type: 'string' }, json: { type: 'boolean', default: false } },
});
const repeat = Math.max(1, Number(values.repeat));
const { distState } = await import(pathToFileURL(join(ROOT, 'src/cli/dist-build.js')).href);
if (distState() !== 'fresh') {
  console.error('replay bench: dist/ is missing or older than src/; run `npm run build` first');
  process.exit(2);
}
const tmp = mkdtempSync(join(tmpdir(), 'asp-bench-replay-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

function asp(args) {
  const r = spawnSync(process.execPath, [join(ROOT, 'src/cli/asp.js'), ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0 && r.status !== 1) throw new Error(`asp ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r;
}

/** Records `scenario` on the inline transport into its own folder; returns the run folder. */
function record(scenarioFile, name) {
  const runs = join(tmp, name, 'runs');
  asp(['simulate', scenarioFile, '--transport', 'inline', '--json', '--db', join(tmp, name, 'db.sqlite'), '--runs-dir', runs, '--workspaces', join(tmp, name, 'ws')]);
  return join(runs, readdirSync(runs)[0]);
}

/** Runs `code` (an ES module) in a fresh Node process and returns the JSON it prints last. */
function child(code, flags = []) {
  const r = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`bench child exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

const dist = (path) => JSON.stringify(pathToFileURL(join(ROOT, 'dist', path)).href);
/** The streamed reader, or on a build from before it (a baseline) the whole-recording one. */
const opener = `async function opener() {
  try { return (await import(${dist('recording/recording-stream.js')})).openRecording; }
  catch { return (await import(${dist('recording/recording-reader.js')})).readRecording; }
}`;

/**
 * In one fresh process: a first replay (cold, as `asp replay` is), then
 * --repeat rounds of the bare read and a replay back to back, so each ratio
 * compares two runs under the same load.
 */
function paired(file, runDir) {
  return child(`
    import { createReadStream } from 'node:fs';
    import { createGunzip } from 'node:zlib';
    import { StringDecoder } from 'node:string_decoder';
    ${opener}
    const openRecording = await opener();
    const { replayRecording } = await import(${dist('recording/replayer.js')});
    async function bare() {
      const decoder = new StringDecoder('utf8'); let rest = ''; let lines = 0;
      for await (const chunk of createReadStream(${JSON.stringify(file)}, { highWaterMark: 1 << 20 }).pipe(createGunzip())) {
        const text = rest + decoder.write(chunk); let from = 0;
        for (let nl = text.indexOf('\\n'); nl >= 0; nl = text.indexOf('\\n', from)) { JSON.parse(text.slice(from, nl)); lines++; from = nl + 1; }
        rest = text.slice(from);
      }
      return lines;
    }
    const time = async (fn) => { const t0 = performance.now(); const value = await fn(); return [performance.now() - t0, value]; };
    const once = async () => replayRecording(await openRecording(${JSON.stringify(runDir)}));
    const [first, report] = await time(once);
    const bares = [], replays = []; let lines = 0;
    for (let i = 0; i < ${repeat}; i++) {
      const [b, n] = await time(bare); bares.push(b); lines = n;
      const [r] = await time(once); replays.push(r);
    }
    const ratios = replays.map((r, i) => r / bares[i]).sort((x, y) => x - y);
    console.log(JSON.stringify({ status: report.status, tasks: report.tasks, events: report.events, lines, first, bareBest: Math.min(...bares), best: Math.min(...replays), ratio: ratios[ratios.length >> 1] }));`);
}

/**
 * One replay in a fresh process for its memory: peak RSS, and the largest
 * live heap (after a full GC every 200 ms: what the replay holds, without
 * the garbage V8 lets pile up longer in a longer run).
 */
function replay(runDir) {
  return child(
    `
    let peak = 0, live = 0;
    const sample = () => { peak = Math.max(peak, process.memoryUsage().rss); };
    const sampler = setInterval(sample, 2);
    const collector = setInterval(() => { global.gc(); live = Math.max(live, process.memoryUsage().heapUsed); }, 200);
    ${opener}
    const openRecording = await opener();
    const { replayRecording } = await import(${dist('recording/replayer.js')});
    const t0 = performance.now();
    const report = await replayRecording(await openRecording(${JSON.stringify(runDir)}));
    const ms = performance.now() - t0;
    clearInterval(sampler); clearInterval(collector); sample();
    console.log(JSON.stringify({ status: report.status, tasks: report.tasks, events: report.events, ms, peakRss: peak, liveHeap: live }));`,
    ['--expose-gc'],
  );
}

function cliWall(runDir) {
  const times = [];
  for (let i = 0; i < Math.min(repeat, 3); i++) {
    const t0 = performance.now();
    const r = asp(['replay', runDir, '--json']);
    times.push(performance.now() - t0);
    if (JSON.parse(r.stdout.trim().split('\n').at(-1)).status !== 'match') throw new Error('asp replay did not match');
  }
  return Math.min(...times);
}

const runDir = values.run ? resolve(values.run) : record(join(ROOT, 'scenarios/replay-1000.yaml'), 'r1000');
const file = join(runDir, 'recording.ndjson.gz');
const gzBytes = statSync(file).size;
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const r = paired(file, runDir);
const peak = replay(runDir);
const cli = cliWall(runDir);
const result = {
  loadAverage: load,
  recording: { file, gzBytes, lines: r.lines, tasks: r.tasks, events: r.events, bytesPerEvent: gzBytes / r.events },
  bare: { bestMs: r.bareBest, eventsPerS: r.events / (r.bareBest / 1000), linesPerS: r.lines / (r.bareBest / 1000) },
  replay: {
    status: r.status,
    firstMs: r.first,
    bestMs: r.best,
    eventsPerS: r.events / (r.best / 1000),
    eventsPerSFirst: r.events / (r.first / 1000),
    linesPerS: r.lines / (r.best / 1000),
    overBare: r.ratio,
    peakRssBytes: peak.peakRss,
  },
  cli: { wallMs: cli, eventsPerS: r.events / (cli / 1000) },
};

if (values.tasks || values['big-run']) {
  let bigRun = values['big-run'] ? resolve(values['big-run']) : undefined;
  if (!bigRun) {
    const n = Number(values.tasks);
    const text = readFileSync(join(ROOT, 'scenarios/replay-1000.yaml'), 'utf8')
      .replace(/count: 500/g, `count: ${Math.round(n / 2)}`)
      .replace('tasks.total == 1000', `tasks.total == ${2 * Math.round(n / 2)}`);
    const big = join(tmp, `replay-${n}.yaml`);
    writeFileSync(big, text);
    bigRun = record(big, `r${n}`);
  }
  const small = peak;
  const large = replay(bigRun);
  result.memory = {
    small: { tasks: small.tasks, events: small.events, peakRssBytes: small.peakRss, liveHeapBytes: small.liveHeap },
    large: { tasks: large.tasks, events: large.events, peakRssBytes: large.peakRss, liveHeapBytes: large.liveHeap, ms: large.ms },
    rssGrowth: large.peakRss / small.peakRss,
    liveGrowth: large.liveHeap / small.liveHeap,
  };
}

if (values.json) {
  console.log(JSON.stringify(result));
} else {
  const f = (n) => Math.round(n).toLocaleString('en');
  const mb = (n) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  const { recording: rec, bare: ba, replay: re } = result;
  console.log(`load average ${load}`);
  console.log(`recording      ${rec.tasks} tasks, ${f(rec.lines)} lines, ${f(rec.events)} machine events; ${f(rec.gzBytes)} bytes gzip = ${rec.bytesPerEvent.toFixed(0)} B/event (goal ≤ 400)`);
  console.log(`bare read+parse  best ${f(ba.bestMs)} ms  → ${f(ba.eventsPerS)} events/s (${f(ba.linesPerS)} lines/s)`);
  console.log(
    `replay           best ${f(re.bestMs)} ms  → ${f(re.eventsPerS)} events/s (${f(re.linesPerS)} lines/s), ×${re.overBare.toFixed(1)} the bare read (median of back-to-back pairs); first (cold) ${f(re.firstMs)} ms → ${f(re.eventsPerSFirst)} events/s; ${re.status}`,
  );
  console.log(`asp replay       wall ${f(result.cli.wallMs)} ms (Node start-up included) → ${f(result.cli.eventsPerS)} events/s`);
  console.log(`replay peak RSS  ${mb(re.peakRssBytes)} (one replay in a fresh process)`);
  if (result.memory) {
    const m = result.memory;
    console.log(
      `memory           ${m.small.tasks} tasks: peak RSS ${mb(m.small.peakRssBytes)}, live heap ${mb(m.small.liveHeapBytes)}; ${m.large.tasks} tasks (${f(m.large.events)} events): peak RSS ${mb(m.large.peakRssBytes)} (×${m.rssGrowth.toFixed(2)}), live heap ${mb(m.large.liveHeapBytes)} (×${m.liveGrowth.toFixed(2)}) (goal: flat)`,
    );
  }
  console.log(`goal (issue 15): replay ≥ 50,000 events/s (at least 20,000): best ${f(re.eventsPerS)} → ${re.eventsPerS >= 50000 ? 'met' : re.eventsPerS >= 20000 ? 'minimum met' : 'missed'}`);
}
