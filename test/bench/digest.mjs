#!/usr/bin/env node
// canonicalJson (the text every task and request digest hashes) on the
// outcomes and step requests of a real inline run, against JSON.stringify of
// the same values as a bare baseline and against the previous
// implementation, all measured in the same process, rounds alternating
// (ratios are what to compare; absolute times move with the machine's load):
//
//   node test/bench/digest.mjs [--scenario scenarios/load-200.yaml] [--rounds 15] [--json]
//
//   JSON.stringify   unsorted keys: the floor of any serializer in JS
//   previous         canonicalJson before the shape cache (kept here only)
//   canonicalJson    src/engine/outcome-digest.ts, from dist/
//   + sha256         the text hashed: the previous way (createHash, update,
//                    digest) and as taskDigest now does (crypto.hash, one call)
// Every value's text must be the same from both implementations (exit 1 if not).
// Needs a fresh build (`npm run build`).
import { createHash, hash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({ options: { scenario: { type: 'string', default: 'scenarios/load-200.yaml' }, rounds: { type: 'string', default: '15' }, json: { type: 'boolean', default: false } } });
const rounds = Math.max(3, Number(values.rounds));
const { distState } = await import(pathToFileURL(join(ROOT, 'src/cli/dist-build.js')).href);
if (distState() !== 'fresh') {
  console.error('digest bench: dist/ is missing or older than src/; run `npm run build` first');
  process.exit(2);
}
const dist = (path) => import(pathToFileURL(join(ROOT, 'dist', path)).href);
const { canonicalJson } = await dist('engine/outcome-digest.js');
const { runScenario } = await dist('engine/run-engine.js');
const { InlineTransport } = await dist('engine/inline-transport.js');
const { parseScenario } = await dist('scenario/scenario-loader.js');

// ---- the previous canonicalJson (src/engine/outcome-digest.ts before the shape cache), for comparison only
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;
const isIndex = (k) => ARRAY_INDEX.test(k) && Number(k) < 4294967295;
function previousSortedKeys(record) {
  const keys = Object.keys(record);
  let digit = false;
  for (let i = 0; i < keys.length; i++) {
    const x = keys[i];
    const c = x.charCodeAt(0);
    if (c >= 48 && c <= 57) digit = true;
    let j = i - 1;
    while (j >= 0 && keys[j] > x) {
      keys[j + 1] = keys[j];
      j--;
    }
    keys[j + 1] = x;
  }
  if (!digit || !keys.some(isIndex)) return keys;
  const index = keys.filter(isIndex).sort((x, y) => Number(x) - Number(y));
  return [...index, ...keys.filter((k) => !isIndex(k))];
}
const quotedKeys = new Map();
function quoted(key) {
  let q = quotedKeys.get(key);
  if (q === undefined) {
    q = JSON.stringify(key);
    if (quotedKeys.size < 4096) quotedKeys.set(key, q);
  }
  return q;
}
function previousWrite(value, key, cache) {
  let v = value;
  if (v !== null && typeof v === 'object' && typeof v.toJSON === 'function') v = v.toJSON(key);
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      break;
    case 'bigint':
      return JSON.stringify(v);
    default:
      return undefined;
  }
  if (Array.isArray(v)) {
    const cached = cache?.get(v);
    if (cached !== undefined) return cached;
    let text = '[';
    for (let i = 0; i < v.length; i++) text += `${i > 0 ? ',' : ''}${previousWrite(v[i], String(i), cache) ?? 'null'}`;
    text += ']';
    if (cache && v.length >= 16) cache.set(v, text);
    return text;
  }
  if (v instanceof Number || v instanceof String || v instanceof Boolean) return JSON.stringify(v);
  let text = '{';
  let first = true;
  for (const k of previousSortedKeys(v)) {
    const member = previousWrite(v[k], k, cache);
    if (member === undefined) continue;
    text += `${first ? '' : ','}${quoted(k)}:${member}`;
    first = false;
  }
  return `${text}}`;
}
const previousCanonicalJson = (value) => previousWrite(value, '', undefined);
// ----

const scenarioFile = resolve(ROOT, values.scenario);
const { scenario } = parseScenario(readFileSync(scenarioFile, 'utf8'), scenarioFile);
const tmp = mkdtempSync(join(tmpdir(), 'asp-bench-digest-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const outcomes = [];
const requests = [];
await runScenario({
  runId: 'bench-digest',
  scenario,
  transport: new InlineTransport({ workspaceRoot: join(tmp, 'ws') }),
  observers: [{ taskFinished: (o) => outcomes.push(o), jobDispatched: (i) => requests.push(i.job.request) }],
});

let mismatches = 0;
for (const v of [...outcomes, ...requests]) if (canonicalJson(v) !== previousCanonicalJson(v)) mismatches++;

const sha = (text) => createHash('sha256').update(text).digest('hex');
const oneShot = (text) => hash('sha256', text, 'hex');
const cases = {
  'JSON.stringify': (v) => JSON.stringify(v),
  previous: previousCanonicalJson,
  canonicalJson: (v) => canonicalJson(v),
  'JSON.stringify + sha256': (v) => oneShot(JSON.stringify(v)),
  'previous + sha256': (v) => sha(previousCanonicalJson(v)),
  'canonicalJson + sha256': (v) => oneShot(canonicalJson(v)),
};
let sink = 0;
/** µs per value: `fn` over every value, repeated until ≥ 20 ms have passed. */
function time(fn, set) {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  do {
    for (const v of set) sink += fn(v).length;
    n += set.length;
    t = performance.now();
  } while (t - t0 < 20);
  return ((t - t0) * 1000) / n;
}
const sets = { outcomes, requests };
const samples = {};
for (const set of Object.keys(sets)) for (const c of Object.keys(cases)) samples[`${set}\t${c}`] = [];
for (let r = 0; r < rounds; r++) for (const set of Object.keys(sets)) for (const c of Object.keys(cases)) samples[`${set}\t${c}`].push(time(cases[c], sets[set]));
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const med = Object.fromEntries(Object.entries(samples).map(([k, xs]) => [k, median(xs)]));

const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const result = { loadAverage: load, scenario: values.scenario, outcomes: outcomes.length, requests: requests.length, mismatches, rounds, medianMicros: med, ratios: {} };
for (const set of Object.keys(sets)) {
  const m = (c) => med[`${set}\t${c}`];
  result.ratios[set] = {
    previousVsStringify: m('previous') / m('JSON.stringify'),
    newVsStringify: m('canonicalJson') / m('JSON.stringify'),
    newVsPrevious: m('canonicalJson') / m('previous'),
    hashedNewVsPrevious: m('canonicalJson + sha256') / m('previous + sha256'),
  };
}
if (values.json) console.log(JSON.stringify(result));
else {
  console.log(`load average ${load}; ${values.scenario}: ${outcomes.length} outcomes, ${requests.length} step requests; median of ${rounds} rounds, µs per value`);
  for (const set of Object.keys(sets)) {
    console.log(`${set}:`);
    for (const c of Object.keys(cases)) console.log(`  ${c.padEnd(24)} ${med[`${set}\t${c}`].toFixed(2).padStart(8)} µs`);
    const q = result.ratios[set];
    console.log(
      `  ratios: previous/JSON.stringify ×${q.previousVsStringify.toFixed(2)}, canonicalJson/JSON.stringify ×${q.newVsStringify.toFixed(2)}, canonicalJson/previous ×${q.newVsPrevious.toFixed(2)} (with sha256 ×${q.hashedNewVsPrevious.toFixed(2)})`,
    );
  }
  console.log(mismatches === 0 ? 'text: the same from both implementations for every value' : `text DIFFERS for ${mismatches} values`);
}
if (sink < 0) console.log(sink);
if (mismatches > 0) process.exitCode = 1;
