import type { createActor } from 'xstate';
import type { taskMachine } from '../workflow/task-machine.ts';

export interface WatchedEvent {
  event: { type: string; [key: string]: unknown };
  /** The state the event led to. */
  state: string;
  /** Completed review rounds after the event. */
  round: number;
}

/**
 * Reports every event a task machine processes, with the state it led to.
 * The runner feeds this to its observers (and so to the recording); the
 * replayer uses the same function, so both see exactly the same events.
 */
export function watchMachine(actor: ReturnType<typeof createActor<typeof taskMachine>>, onEvent: (watched: WatchedEvent) => void): void {
  let pending: WatchedEvent['event'] | undefined;
  actor.system.inspect((ev) => {
    if (ev.type === '@xstate.event' && ev.actorRef === actor && !ev.event.type.startsWith('xstate.init')) pending = ev.event as WatchedEvent['event'];
    if (ev.type === '@xstate.snapshot' && ev.actorRef === actor && pending) {
      const snapshot = actor.getSnapshot();
      onEvent({ event: pending, state: String(snapshot.value), round: snapshot.context.round });
      pending = undefined;
    }
  });
}
