import { SIMULATED_ACTOR } from '../agents/agent-team.ts';
import { STEP_PERSONA, STEP_PHASE } from '../workflow/task-types.ts';
import type { Defect, TaskOutcome } from '../workflow/task-types.ts';
import type { StepRecord } from './telemetry-store.ts';

/**
 * How a step result and a task outcome are laid out across the PSP tables
 * (step_results, time_log, size_log, defect_log, estimates, tasks): the rows
 * the SQLite store writes, inside the transaction it opens.
 */

/** A prepared statement by its SQL text (the store compiles each text once). */
export type Prepare = (sql: string) => { run(...params: unknown[]): { changes: number } };

type Projection = Extract<StepRecord['result'], { step: 'estimate' }>['estimate']['size'];

/** One projection's columns of the estimates table: method, projected, beta0, beta1, r2, then the 70 % and 90 % interval bounds. */
function projectionColumns(p: Projection): unknown[] {
  const i70 = p.intervals.find((i) => i.percent === 70);
  const i90 = p.intervals.find((i) => i.percent === 90);
  return [p.method, p.projected, p.beta0, p.beta1, p.r2, i70?.lpi ?? null, i70?.upi ?? null, i90?.lpi ?? null, i90?.upi ?? null];
}

/** The rows of one step result; false when the step was already stored (its rows are left as they are). */
export function insertStepRows(stmt: Prepare, record: StepRecord): boolean {
  const { result, meta } = record;
  const step = result.step;
  const inserted = stmt(
    `INSERT OR IGNORE INTO step_results (run_id, task_id, step, round, persona, job_id, listener_id, user_id, attempts, minutes,
         queue_wait_ms, processing_ms, latency_ms, tokens_in, tokens_out, cost_usd, commit_sha, result_json, recorded_at, actor)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    record.runId,
    record.taskId,
    step,
    record.round,
    meta.persona,
    record.jobId,
    meta.listenerId,
    meta.userId,
    meta.attemptsMade + 1,
    result.minutes,
    Math.max(0, meta.startedAt - meta.enqueuedAt),
    Math.max(0, meta.finishedAt - meta.startedAt),
    Math.max(0, record.receivedAt - meta.enqueuedAt),
    result.cost.tokensIn,
    result.cost.tokensOut,
    result.cost.usd,
    result.commit ?? null,
    JSON.stringify(result),
    new Date(record.receivedAt).toISOString(),
    result.actor ?? SIMULATED_ACTOR,
  );
  if (inserted.changes === 0) return false;
  stmt('INSERT INTO time_log (run_id, task_id, phase, step, round, persona, minutes) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    record.runId,
    record.taskId,
    STEP_PHASE[step],
    step,
    record.round,
    STEP_PERSONA[step],
    result.minutes,
  );
  if (result.step === 'implement' || result.step === 'fix') {
    const s = result.size;
    stmt('INSERT INTO size_log (run_id, task_id, step, round, added, modified, deleted, added_modified, measured_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
      record.runId,
      record.taskId,
      step,
      record.round,
      s.added,
      s.modified,
      s.deleted,
      s.addedModified,
      s.measuredBy,
    );
    insertDefects(stmt, record, result.injected);
  }
  // A command agent's findings: defects nobody injected in the model, known from the moment they were found.
  if ((result.step === 'review' || result.step === 'accept') && result.reported) insertDefects(stmt, record, result.reported);
  if (result.step === 'estimate') {
    const e = result.estimate;
    stmt(
      `INSERT OR IGNORE INTO estimates (run_id, task_id, proxy_size, size_method, projected_size, size_beta0, size_beta1, size_r2,
           size_lpi70, size_upi70, size_lpi90, size_upi90, time_method, projected_minutes, time_beta0, time_beta1, time_r2,
           time_lpi70, time_upi70, time_lpi90, time_upi90, history_n, estimate_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(record.runId, record.taskId, e.proxySize, ...projectionColumns(e.size), ...projectionColumns(e.time), e.size.n, JSON.stringify(e));
  }
  return true;
}

function insertDefects(stmt: Prepare, record: StepRecord, defects: readonly Defect[]): void {
  const insert = stmt('INSERT OR IGNORE INTO defect_log (run_id, task_id, defect_id, type, type_code, severity, phase_injected, fix_minutes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  for (const d of defects) insert.run(record.runId, record.taskId, d.id, d.type, d.typeCode, d.severity, d.phaseInjected, d.fixMinutes);
}

/** A finished task: its row, the fate of its defects, the actuals beside its estimate. */
export function updateOutcomeRows(stmt: Prepare, runId: string, outcome: TaskOutcome, sim: { startMin: number; endMin: number } | null): void {
  stmt(
    `UPDATE tasks SET state = ?, fail_reason = ?, fail_message = ?, review_rounds = ?, actual_size = ?, actual_minutes = ?, total_minutes = ?,
         sim_start_min = ?, sim_end_min = ?, outcome_json = ? WHERE run_id = ? AND task_id = ?`,
  ).run(
    outcome.state,
    outcome.failure?.reason ?? null,
    outcome.failure?.message ?? null,
    outcome.reviewRounds,
    outcome.actualSize,
    outcome.actualMinutes,
    outcome.totalMinutes,
    sim?.startMin ?? null,
    sim?.endMin ?? null,
    JSON.stringify(outcome),
    runId,
    outcome.taskId,
  );
  const removed = stmt('UPDATE defect_log SET phase_removed = ?, found_by = ? WHERE run_id = ? AND defect_id = ?');
  for (const d of outcome.removed) removed.run(d.phaseRemoved, d.foundBy, runId, d.id);
  const escaped = stmt('UPDATE defect_log SET escaped = 1 WHERE run_id = ? AND defect_id = ?');
  for (const d of outcome.escaped) escaped.run(runId, d.id);
  stmt('UPDATE estimates SET actual_size = ?, actual_minutes = ? WHERE run_id = ? AND task_id = ?').run(outcome.actualSize, outcome.actualMinutes, runId, outcome.taskId);
}
