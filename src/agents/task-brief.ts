import type { TaskBrief } from '../queue/job-schema.ts';
import type { ProbeEstimate, ProbeProjection } from '../probe/index.ts';
import type { StepRequest, StepResult } from '../workflow/task-types.ts';

function interval(p: ProbeProjection): NonNullable<TaskBrief['estimate']>['size'] {
  const at = (percent: number) => p.intervals.find((i) => i.percent === percent);
  return { projected: p.projected, lpi70: at(70)?.lpi ?? null, upi70: at(70)?.upi ?? null, lpi90: at(90)?.lpi ?? null, upi90: at(90)?.upi ?? null };
}

/** The PROBE estimate as a command agent reads it: projected size and time with their 70/90 % intervals. */
export function estimateBrief(e: ProbeEstimate): NonNullable<TaskBrief['estimate']> {
  return { proxySize: e.proxySize, sizeMethod: e.size.method, size: interval(e.size), timeMethod: e.time.method, minutes: interval(e.time) };
}

/**
 * What each task's command agents are told beyond the step request: the
 * title and requirements (from the define request) and Alex's PROBE estimate
 * (from the estimate result). Kept per task while it runs; only runs with a
 * command agent keep one. Pure (no I/O).
 */
export class TaskBriefs {
  private readonly briefs = new Map<string, TaskBrief>();

  /** Call with every request before it is sent. */
  request(request: StepRequest): void {
    if (request.step === 'define') this.briefs.set(request.taskId, { title: request.title, requirements: request.requirements });
  }

  /** Call with every result. */
  result(taskId: string, result: StepResult): void {
    const brief = this.briefs.get(taskId);
    if (!brief) return;
    if (result.step === 'estimate') brief.estimate = estimateBrief(result.estimate);
    if (result.step === 'accept') this.briefs.delete(taskId);
  }

  get(taskId: string): TaskBrief | undefined {
    return this.briefs.get(taskId);
  }

  /** A task that ended early (failed) no longer needs its brief. */
  forget(taskId: string): void {
    this.briefs.delete(taskId);
  }
}
