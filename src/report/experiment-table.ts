import type { ExperimentResults, VariantResult } from '../experiment/experiment-results.ts';
import { formatPercent } from '../experiment/experiment-statistics.ts';
import type { ExpectationResult } from '../experiment/expectation-results.ts';
import { renderTable } from './text-table.ts';

/** The terminal report of an experiment: a table per metric, the sentences, the forecast. */
export function renderExperiment(
  r: ExperimentResults,
  extra: { expectations?: readonly ExpectationResult[]; files?: { results: string; report: string | null }; wallMs?: number; transport?: string; workers?: number } = {},
): string {
  const out: string[] = [];
  const baseline = r.variants.find((v) => v.baseline);
  out.push(`${r.name} — ${r.variants.length} variant${r.variants.length === 1 ? '' : 's'} × ${r.seeds.length} seeds = ${r.runs} runs of ${r.baseScenario.name}`);
  if (r.variants.length > 1) out.push(`baseline: ${baseline?.label ?? '?'} · same seeds in every variant (paired) · ${r.confidence} % intervals (Student's t)`);
  out.push('');
  if (r.variants.length > 1) {
    for (const [i, metric] of (r.variants[0]?.metrics ?? []).entries()) {
      out.push(`${metric.label} (${metric.metric})`);
      out.push(
        indent(
          renderTable(r.variants, [
            { header: 'variant', value: (v) => `${v.label}${v.baseline ? ' (baseline)' : ''}`, align: 'left' },
            { header: 'n', value: (v) => v.metrics[i]?.description.n },
            { header: 'mean', value: (v) => num(v.metrics[i]?.description.mean) },
            { header: 'sd', value: (v) => num(v.metrics[i]?.description.sd) },
            { header: 'p10', value: (v) => num(v.metrics[i]?.description.p10) },
            { header: 'p50', value: (v) => num(v.metrics[i]?.description.p50) },
            { header: 'p90', value: (v) => num(v.metrics[i]?.description.p90) },
            { header: '95% CI of mean', value: (v) => ci(v.metrics[i]?.description.ci) },
            { header: 'vs baseline', value: (v) => change(v, i) },
          ]),
        ),
      );
      out.push('');
    }
    out.push('Differences from the baseline:');
    for (const v of r.variants.filter((x) => !x.baseline)) {
      out.push(`  ${v.label}:`);
      for (const m of v.metrics) if (m.sentence) out.push(`    ${m.sentence}`);
    }
    out.push('');
  }
  for (const v of r.variants) {
    if (r.variants.length > 1 && !v.baseline) continue;
    out.push(...forecastLines(v, r.variants.length > 1 ? ` (${v.label})` : ''));
  }
  if (extra.expectations?.length) {
    out.push('', 'Expectations:');
    for (const e of extra.expectations) out.push(`  ${e.pass ? '✔' : '✘'} ${e.expression}${e.variant ? ` [${e.variant}]` : ''} — ${e.actual === null ? 'no data' : num(e.actual)}`);
  }
  out.push('');
  if (extra.wallMs !== undefined) out.push(`${(extra.wallMs / 1000).toFixed(1)} s wall · transport ${extra.transport ?? '?'} · ${extra.workers ?? '?'} worker(s)`);
  out.push(`results digest ${r.digest}`);
  if (extra.files) out.push(`results ${extra.files.results}${extra.files.report ? `\nreport  ${extra.files.report}` : ''}`);
  return `${out.join('\n')}\n`;
}

function forecastLines(v: VariantResult, suffix: string): string[] {
  const f = v.forecast;
  const range = (s: { low: number; high: number } | null, unit: string) => (s ? `${num(s.low)}–${num(s.high)} ${unit}` : '–');
  const lines = [
    `Forecast${suffix}, ${f.runs} runs (a day is ${f.hoursPerDay} working hours):`,
    `  calendar end  median ${num(f.endDays.p50)} d · 70 % ${range(f.endDays.range70, 'd')} · 90 % ${range(f.endDays.range90, 'd')}`,
    `  total effort  median ${num(f.effortHours.p50)} h · 70 % ${range(f.effortHours.range70, 'h')} · 90 % ${range(f.effortHours.range90, 'h')}`,
    `  every task done in ${f.allDone} of ${f.runs} runs`,
  ];
  if (f.by) lines.push(`  P(finished by ${num(f.by.days)} d) = ${Math.round(f.by.probability * 100)} % (95 % CI ${Math.round(f.by.interval.low * 100)}–${Math.round(f.by.interval.high * 100)} %)`);
  return lines;
}

function change(v: VariantResult, i: number): string {
  const d = v.metrics[i]?.difference;
  if (!d) return '';
  if (d.mean === null || d.ci === null) return 'n/a';
  const figure = d.relative !== null ? formatPercent(d.relative) : num(d.mean);
  return d.significant ? figure : `${figure} (n.s.)`;
}

function ci(i: { low: number; high: number } | null | undefined): string {
  return i ? `${num(i.low)} to ${num(i.high)}` : '–';
}

function num(x: number | null | undefined): string {
  if (x === null || x === undefined) return '–';
  const abs = Math.abs(x);
  return abs >= 100 ? x.toFixed(0) : abs >= 10 ? x.toFixed(1) : x.toFixed(2);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
