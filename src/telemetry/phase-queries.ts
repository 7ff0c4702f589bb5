import { STEP_PHASE } from '../workflow/task-types.ts';
import { round, type ReadableStore } from './run-queries.ts';

/**
 * PSP views of a run: time in phase per persona, defects injected and
 * removed per phase with the phase yields, and cost per persona.
 */
export const PHASE_ORDER: readonly string[] = [...new Set(Object.values(STEP_PHASE))];

export interface PhaseTimeRow {
  /** 1-based cycle number; null in run totals. */
  cycle: number | null;
  phase: string;
  persona: string;
  minutes: number;
  steps: number;
}

export function timeInPhase(db: ReadableStore, runId: string): { byCycle: PhaseTimeRow[]; total: PhaseTimeRow[] } {
  const rows = db.query<{ cycle_no: number; phase: string; persona: string; minutes: number; steps: number }>(
    `SELECT t.cycle_no, l.phase, l.persona, SUM(l.minutes) AS minutes, COUNT(*) AS steps
     FROM time_log l JOIN tasks t ON t.run_id = l.run_id AND t.task_id = l.task_id
     WHERE l.run_id = ? GROUP BY t.cycle_no, l.phase, l.persona ORDER BY t.cycle_no`,
    runId,
  );
  const byCycle = rows.map((r) => ({ cycle: r.cycle_no + 1, phase: r.phase, persona: r.persona, minutes: round(r.minutes), steps: r.steps }));
  const totals = new Map<string, PhaseTimeRow>();
  for (const r of rows) {
    const key = `${r.phase}\u0000${r.persona}`;
    const t = totals.get(key) ?? { cycle: null, phase: r.phase, persona: r.persona, minutes: 0, steps: 0 };
    t.minutes += r.minutes;
    t.steps += r.steps;
    totals.set(key, t);
  }
  const total = [...totals.values()].map((t) => ({ ...t, minutes: round(t.minutes) })).sort((a, b) => phaseIndex(a.phase) - phaseIndex(b.phase) || a.persona.localeCompare(b.persona));
  return { byCycle, total };
}

export interface DefectPhaseRow {
  phase: string;
  injected: number;
  removed: number;
  /** Defects present when the phase started (removal phases only). */
  present: number | null;
  /** PSP phase yield: removed ÷ present (removal phases with defects present only). */
  yield: number | null;
  fixMinutes: number;
}

export interface DefectFlow {
  phases: DefectPhaseRow[];
  injected: number;
  removed: number;
  escaped: number;
  /** Latent in tasks that never reached acceptance (failed tasks). */
  open: number;
  /** Share of injected defects removed before acceptance test (PSP process yield for review). */
  processYield: number | null;
  foundBy: Array<{ persona: string; defects: number }>;
}

/**
 * Defects by phase. Defects injected in rework go through the next review
 * round, so for the yields every injection counts as present at code review;
 * acceptance test sees what review left.
 */
export function defectFlow(db: ReadableStore, runId: string, cycle?: number): DefectFlow {
  const rows = db.query<{ phase_injected: string; phase_removed: string | null; found_by: string | null; escaped: number; n: number; fix: number }>(
    `SELECT d.phase_injected, d.phase_removed, d.found_by, d.escaped, COUNT(*) AS n, SUM(d.fix_minutes) AS fix
     FROM defect_log d JOIN tasks t ON t.run_id = d.run_id AND t.task_id = d.task_id
     WHERE d.run_id = @run AND (@cycle IS NULL OR t.cycle_no = @cycle)
     GROUP BY d.phase_injected, d.phase_removed, d.found_by, d.escaped`,
    { run: runId, cycle: cycle === undefined ? null : cycle - 1 },
  );
  const phases = new Map<string, DefectPhaseRow>();
  const at = (phase: string) => {
    const row = phases.get(phase) ?? { phase, injected: 0, removed: 0, present: null, yield: null, fixMinutes: 0 };
    phases.set(phase, row);
    return row;
  };
  const foundBy = new Map<string, number>();
  let injected = 0;
  let removed = 0;
  let escaped = 0;
  for (const r of rows) {
    injected += r.n;
    at(r.phase_injected).injected += r.n;
    if (r.phase_removed) {
      removed += r.n;
      const p = at(r.phase_removed);
      p.removed += r.n;
      p.fixMinutes += r.fix;
      if (r.found_by) foundBy.set(r.found_by, (foundBy.get(r.found_by) ?? 0) + r.n);
    }
    if (r.escaped) escaped += r.n;
  }
  const review = phases.get('code-review');
  const acceptance = phases.get('acceptance-test');
  if (review) setYield(review, injected);
  if (acceptance) setYield(acceptance, injected - (review?.removed ?? 0));
  const list = [...phases.values()].map((p) => ({ ...p, fixMinutes: round(p.fixMinutes) })).sort((a, b) => phaseIndex(a.phase) - phaseIndex(b.phase));
  return {
    phases: list,
    injected,
    removed,
    escaped,
    open: injected - removed - escaped,
    processYield: injected > 0 ? round((review?.removed ?? 0) / injected, 3) : null,
    foundBy: [...foundBy].map(([persona, defects]) => ({ persona, defects })),
  };
}

function setYield(row: DefectPhaseRow, present: number): void {
  row.present = present;
  row.yield = present > 0 ? round(row.removed / present, 3) : null;
}

export interface PersonaCost {
  persona: string;
  steps: number;
  minutes: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
}

export function costByPersona(db: ReadableStore, runId: string): PersonaCost[] {
  return db
    .query<{ persona: string; steps: number; minutes: number; tin: number; tout: number; usd: number }>(
      `SELECT persona, COUNT(*) AS steps, SUM(minutes) AS minutes, SUM(tokens_in) AS tin, SUM(tokens_out) AS tout, SUM(cost_usd) AS usd
       FROM step_results WHERE run_id = ? GROUP BY persona ORDER BY persona`,
      runId,
    )
    .map((r) => ({ persona: r.persona, steps: r.steps, minutes: round(r.minutes), tokensIn: r.tin, tokensOut: r.tout, costUsd: round(r.usd, 4) }));
}

function phaseIndex(phase: string): number {
  const i = PHASE_ORDER.indexOf(phase);
  return i < 0 ? PHASE_ORDER.length : i;
}
