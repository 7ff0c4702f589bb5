import { Recorder } from '../recording/recorder.ts';
import { runReportObserver } from '../admin/run-report.ts';
import type { RunObserver } from './run-observer.ts';

/**
 * The observers every `asp simulate` run gets (recording, report). Each
 * feature adds its observer here; callers can still pass their own.
 */
export function defaultObservers(): RunObserver[] {
  return [new Recorder(), runReportObserver()];
}
