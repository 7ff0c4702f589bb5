import type { Queue, QueueEvents } from 'bullmq';

/** What a producer hears about its jobs: each one's final result or final failure. */
export interface JobEvents {
  onCompleted(jobId: string, returnValue: unknown): void;
  onFailed(jobId: string, reason: string): void;
  /** A job was added with an id the queue already has (a resumed run's step): its outcome may be there already. */
  onDuplicated?(jobId: string): void;
}

/** A job return value as stored: JSON when it parses, else the text. */
function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Passes a queue's completions and final failures to `handlers`. 'failed'
 * can precede a retry, so only a job whose state stays failed is final. The
 * state read fails once the queue closed or Redis is away: the event is then
 * dropped (the producer asks Redis again for a job still waiting), never an
 * unhandled rejection.
 */
export function listenForOutcomes(queue: Queue, events: QueueEvents, handlers: JobEvents): void {
  queue.on('error', () => undefined);
  events.on('error', () => undefined);
  events.on('completed', ({ jobId, returnvalue }) => {
    handlers.onCompleted(jobId, typeof returnvalue === 'string' ? safeJson(returnvalue) : returnvalue);
  });
  if (handlers.onDuplicated) events.on('duplicated', ({ jobId }) => handlers.onDuplicated?.(jobId));
  events.on('failed', ({ jobId, failedReason }) => {
    queue.getJobState(jobId).then(
      (state) => {
        if (state === 'failed') handlers.onFailed(jobId, failedReason);
      },
      () => undefined,
    );
  });
}
