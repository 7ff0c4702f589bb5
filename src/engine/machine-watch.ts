import type { AnyActorRef, createActor } from 'xstate';
import type { taskMachine } from '../workflow/task-machine.ts';

export interface WatchedEvent {
  event: { type: string; [key: string]: unknown };
  /** The state the event led to. */
  state: string;
  /** Completed review rounds after the event. */
  round: number;
}

type TaskActor = ReturnType<typeof createActor<typeof taskMachine>>;
type TaskSnapshot = ReturnType<TaskActor['getSnapshot']>;

/**
 * Reports every event a task machine processes, with the state it led to.
 * The runner feeds this to its observers (and so to the recording); the
 * replayer uses the same function, so both see exactly the same events.
 *
 * A task machine receives no event but the done or error event of the step
 * actor it invoked (one per state), and every event it processes gives one
 * snapshot: so the event behind each new snapshot is the one the previous
 * snapshot's step actor ended with (its snapshot holds the output or the
 * error). This reads the snapshots the actor hands its subscribers instead
 * of XState's inspection stream, which builds several inspection objects for
 * every event of every actor.
 */
export function watchMachine(actor: TaskActor, onEvent: (watched: WatchedEvent) => void): void {
  let previous: TaskSnapshot | undefined;
  const seen = (snapshot: TaskSnapshot) => {
    const before = previous;
    previous = snapshot;
    if (!before) return; // the initial snapshot (xstate.init)
    const event = endedWith(before);
    if (event) onEvent({ event, state: String(snapshot.value), round: snapshot.context.round });
  };
  actor.subscribe({
    next: seen,
    complete: () => seen(actor.getSnapshot()),
    error: () => seen(actor.getSnapshot()),
  });
}

/** The done or error event of the step actor `snapshot` was waiting on, as XState sent it to the machine. */
function endedWith(snapshot: TaskSnapshot): WatchedEvent['event'] | undefined {
  for (const [id, child] of Object.entries(snapshot.children as Record<string, AnyActorRef | undefined>)) {
    if (!child) continue;
    const ended = child.getSnapshot() as { status: string; output?: unknown; error?: unknown };
    if (ended.status === 'done') return { type: `xstate.done.actor.${id}`, output: ended.output, actorId: id };
    if (ended.status === 'error') return { type: `xstate.error.actor.${id}`, error: ended.error, actorId: id };
  }
  return undefined;
}
