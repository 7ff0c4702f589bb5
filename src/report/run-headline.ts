import type { FailureReason } from '../workflow/task-types.ts';

/** What one line at the top of a summary says: what the team did, and whether the run's checks held. */
export interface HeadlineFacts {
  /** completed: ran to its end; failed: the engine stopped it; interrupted: the user did. */
  status: 'completed' | 'failed' | 'interrupted';
  tasks: number;
  done: number;
  failedBy: Partial<Record<FailureReason, number>>;
  /** The `expect:` lines or `--threshold`s and whether each held. */
  checks: ReadonlyArray<{ expression: string; pass: boolean }>;
}

const REASONS: ReadonlyArray<[FailureReason, string]> = [
  ['round-limit', 'failed by the round limit'],
  ['rejected', 'rejected in acceptance'],
  ['step-failed', 'failed by a step failing after its retries'],
];

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * e.g. "✔ 24 tasks: 23 done, 1 failed by the round limit (simulated outcome) · thresholds: 3/3 held".
 * The icon follows the exit status: ✔ 0, ✖ a check failed or the run failed, ■ interrupted.
 */
export function runHeadline(f: HeadlineFacts): string {
  const failures = REASONS.flatMap(([reason, text]) => (f.failedBy[reason] ? [`${f.failedBy[reason]} ${text}`] : []));
  const failed = failures.length === 0 ? '' : `, ${failures.join(', ')} (simulated outcome${failures.length === 1 && Object.values(f.failedBy).reduce((a, b) => a + (b ?? 0), 0) === 1 ? '' : 's'})`;
  const held = f.checks.filter((c) => c.pass).length;
  const checks = f.status !== 'completed' ? 'thresholds not checked' : f.checks.length === 0 ? 'no thresholds' : `thresholds: ${held}/${f.checks.length} held`;
  const missed = f.checks.filter((c) => !c.pass).map((c) => c.expression);
  const status = f.status === 'interrupted' ? 'interrupted after ' : f.status === 'failed' ? 'run failed after ' : '';
  const icon = f.status === 'interrupted' ? '■' : f.status === 'failed' || missed.length > 0 ? '✖' : '✔';
  return `${icon} ${status}${plural(f.tasks, 'task')}: ${f.done} done${failed} · ${checks}${missed.length > 0 ? ` (failed: ${missed.join(', ')})` : ''}`;
}
