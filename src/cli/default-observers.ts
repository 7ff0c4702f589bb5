import { runReportObserver } from '../admin/run-report.ts';
import type { RunObserver } from '../engine/run-observer.ts';
import { Recorder } from '../recording/recorder.ts';

/**
 * The observers every recorded run gets (simulate, regress, replay --live):
 * the recording and the HTML report. Wired here, at the top, so the runner
 * and the engine never import the rooms that watch them.
 */
export function defaultObservers(): RunObserver[] {
  return [new Recorder(), runReportObserver()];
}
