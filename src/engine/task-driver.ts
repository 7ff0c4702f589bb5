import { createEmptyActor, type AnyActorRef, type AnyActorScope } from 'xstate';
import type { taskMachine } from '../workflow/task-machine.ts';
import type { StepRequest, StepResult, TaskMachineInput, TaskOutcome } from '../workflow/task-types.ts';

type TaskMachine = typeof taskMachine;
type TaskSnapshot = ReturnType<TaskMachine['getInitialSnapshot']>;
type TaskEvent = Parameters<TaskMachine['transition']>[1];

/** One event a task machine processed, with the state it led to (what observers and recordings see). */
export interface WatchedEvent {
  event: { type: string; [key: string]: unknown };
  /** The state the event led to. */
  state: string;
  /** Completed review rounds after the event. */
  round: number;
}

/**
 * Runs one step of a task (the engine's step runner: lookup, dispatch,
 * result). Returns the result itself (or throws) when it is at hand, so the
 * task goes on at once; else a promise of it.
 */
export type RunStep = (request: StepRequest) => Promise<StepResult> | StepResult;

/**
 * Drives task machines with the machine's own pure transition function
 * instead of a running XState actor per task and a promise actor per step.
 *
 * The machine stays exactly as defined (task-machine.ts: every persona step
 * is an invoked actor); this driver plays the actor system's part: it reads
 * the step the state invoked and its input from the snapshot's child, runs
 * the step with `runStep`, and feeds the machine the event XState itself
 * would send when that actor ends (`xstate.done.actor.<id>` with the output,
 * or `xstate.error.actor.<id>` with the error). The invoked children are
 * created by the transition but never started, so no promise, abort
 * controller, mailbox or subscription exists per step; the same events
 * reach the same transitions, so outcomes and recorded events are the ones a
 * started actor gives (tests compare both).
 */
export class TaskDriver {
  private readonly scope: AnyActorScope;

  constructor(private readonly machine: TaskMachine) {
    // One inert parent for every task's children: they are never started, nothing is sent to it.
    const self = createEmptyActor();
    this.scope = {
      self,
      id: 'task-driver',
      sessionId: self.sessionId,
      logger: () => undefined,
      defer: () => undefined,
      emit: () => undefined,
      system: self.system,
      stopChild: () => undefined,
      // Actions with side effects run here; the task machine's only effects are the invoked steps, read from the snapshot.
      actionExecutor: () => undefined,
    };
  }

  /**
   * Runs one task to its final state. Resolves with the machine's output
   * (a failed step is the task's `step-failed` outcome, as with an actor);
   * rejects only when the machine itself errs (a bug in an action or guard).
   */
  async run(input: TaskMachineInput, runStep: RunStep, onEvent?: (watched: WatchedEvent) => void): Promise<TaskOutcome> {
    let snapshot: TaskSnapshot = this.machine.getInitialSnapshot(this.scope, input);
    for (;;) {
      if (snapshot.status === 'done') return snapshot.output as TaskOutcome;
      if (snapshot.status !== 'active') throw snapshot.error ?? new Error(`task ${input.task.id}: the task machine stopped in state ${String(snapshot.value)}`);
      const [id, child] = invokedStep(snapshot, input.task.id);
      let event: TaskEvent;
      try {
        const pending = runStep(stepInput(child));
        const output = pending instanceof Promise ? await pending : pending;
        event = { type: `xstate.done.actor.${id}`, output, actorId: id } as unknown as TaskEvent;
      } catch (error) {
        event = { type: `xstate.error.actor.${id}`, error, actorId: id } as unknown as TaskEvent;
      }
      snapshot = this.machine.transition(snapshot, event, this.scope);
      onEvent?.({ event: event as WatchedEvent['event'], state: String(snapshot.value), round: snapshot.context.round });
    }
  }
}

/** The one step actor an active task state invokes. */
function invokedStep(snapshot: TaskSnapshot, taskId: string): [string, AnyActorRef] {
  const children = snapshot.children as Record<string, AnyActorRef | undefined>;
  for (const id in children) {
    const child = children[id];
    if (child) return [id, child];
  }
  throw new Error(`task ${taskId}: state ${String(snapshot.value)} is active but invokes no step`);
}

/** The request the state computed for its step actor (the invoke's `input`). */
function stepInput(child: AnyActorRef): StepRequest {
  return (child.getSnapshot() as { input: StepRequest }).input;
}
