import type { Logger } from '../logger.ts';
import type { PersonaName } from '../personas.ts';
import type { StepEnvelope, StepJob } from '../queue/job-schema.ts';
import type { Scenario } from '../scenario/scenario-schema.ts';

/** What the engine tells a transport when a run starts. */
export interface TransportContext {
  runId: string;
  scenario: Scenario;
  /** The run's stop signal. */
  signal: AbortSignal;
  log: Logger;
  /**
   * Stops the run for an infrastructure fault (Redis gone, …): the engine
   * stops taking tasks and rethrows `err` once the tasks in flight settle.
   * Never a task's outcome.
   */
  fail(err: Error): void;
}

/**
 * How a step reaches its persona and its result comes back. The engine
 * (run-engine.ts) is the same whatever the transport:
 * - queue (queue-transport.ts): BullMQ persona queues and listeners (process, docker, compose);
 * - inline (inline-transport.ts): the same persona agents called in this process;
 * - recording (recording/recording-transport.ts): the results a recorded run got (replay).
 * Same scenario and seed give the same outcome digest on every transport.
 */
export interface StepTransport {
  /** 'queue', 'inline', 'recording'. */
  readonly kind: string;
  /** Gets ready to deliver (listeners started, queues ready). */
  start(context: TransportContext): Promise<void>;
  /**
   * Delivers one step and returns its validated result envelope. Rejects with
   * the step's error (the task fails on it), or with `interrupted` when the
   * run's signal (TransportContext.signal) aborts under it. A transport that
   * has the result at hand (the recording's) may return it, or throw the
   * step's error, at once: the task then takes its next step without waiting
   * for a turn of the event loop.
   */
  deliver(persona: PersonaName, jobId: string, job: StepJob): Promise<StepEnvelope> | StepEnvelope;
  /** Releases what start() took; bounded, safe to call twice. */
  close(): Promise<void>;
}

/** The message a step fails with when the run stops under it (the engine then leaves the task open for a resume). */
export const INTERRUPTED = 'interrupted';
