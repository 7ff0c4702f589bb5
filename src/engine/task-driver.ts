import { createEmptyActor, createMachine, type AnyActorRef, type AnyActorScope } from 'xstate';
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
 * The machine is defined as the architecture asks (task-machine.ts: every
 * persona step is an invoked actor); this driver plays the actor system's
 * part. It steps the same machine config with each state's invoke replaced by
 * the two transitions XState makes of it (see stepless()), so no child actor
 * is created per step (an actor object per step was a third of the machines'
 * time and of their garbage). For the active state it maps the invoke's input
 * from the context as XState would, runs the step with `runStep`, and feeds
 * the machine the event XState itself sends when an invoked actor ends
 * (`xstate.done.actor.<id>` with the output, or `xstate.error.actor.<id>`
 * with the error). The same events reach the same transitions, so outcomes
 * and recorded events are the ones a started actor gives (tests compare both
 * on every path).
 */
export class TaskDriver {
  private readonly scope: AnyActorScope;
  private readonly machine: TaskMachine;
  /** Each state's invoked step: its id and input mapper, from the machine's config. */
  private readonly steps: ReadonlyMap<string, InvokedStep>;

  constructor(machine: TaskMachine) {
    ({ machine: this.machine, steps: this.steps } = stepless(machine));
    // One inert parent for every task: nothing is sent to it.
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
      // Actions with side effects run here; the task machine's only effects are the invoked steps.
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
    // The event that entered the current state: what an invoke's input mapper is given.
    let entered: { type: string } = { type: 'xstate.init', input } as { type: string };
    for (;;) {
      if (snapshot.status === 'done') return snapshot.output as TaskOutcome;
      if (snapshot.status !== 'active') throw snapshot.error ?? new Error(`task ${input.task.id}: the task machine stopped in state ${String(snapshot.value)}`);
      const step = typeof snapshot.value === 'string' ? this.steps.get(snapshot.value) : undefined;
      if (!step) throw new Error(`task ${input.task.id}: state ${JSON.stringify(snapshot.value)} is active but invokes no step`);
      const { id } = step;
      let event: TaskEvent;
      try {
        const pending = runStep(step.request({ context: snapshot.context, event: entered, self: this.scope.self }));
        const output = pending instanceof Promise ? await pending : pending;
        event = { type: `xstate.done.actor.${id}`, output, actorId: id } as unknown as TaskEvent;
      } catch (error) {
        event = { type: `xstate.error.actor.${id}`, error, actorId: id } as unknown as TaskEvent;
      }
      snapshot = this.machine.transition(snapshot, event, this.scope);
      entered = event;
      onEvent?.({ event: event as WatchedEvent['event'], state: String(snapshot.value), round: snapshot.context.round });
    }
  }
}

interface InvokedStep {
  id: string;
  /** The invoke's input, mapped as XState maps it when it spawns the actor. */
  request(args: { context: TaskSnapshot['context']; event: { type: string }; self: AnyActorRef }): StepRequest;
}

type StateConfig = { invoke?: unknown; states?: unknown; on?: Record<string, unknown> };
type InvokeConfig = { id?: unknown; input?: unknown; onDone?: unknown; onError?: unknown };

/**
 * The machine's own config and implementations, each state's invoke
 * replaced by what XState makes of it for the parent: a transition on
 * `xstate.done.actor.<id>` (the invoke's onDone) and on
 * `xstate.error.actor.<id>` (its onError). Guards, actions, targets and
 * output are the config's own objects; only the child actor is gone. Flat
 * machines with one invoke per state (the task machine): anything else is
 * refused rather than driven wrongly.
 */
function stepless(machine: TaskMachine): { machine: TaskMachine; steps: Map<string, InvokedStep> } {
  const config = machine.config as { states?: Record<string, StateConfig> };
  const steps = new Map<string, InvokedStep>();
  const states: Record<string, StateConfig> = {};
  for (const [key, state] of Object.entries(config.states ?? {})) {
    if (state.states) throw new Error(`task driver: state "${key}" has child states; it drives flat machines`);
    const invoke = (Array.isArray(state.invoke) ? (state.invoke.length === 1 ? state.invoke[0] : undefined) : state.invoke) as InvokeConfig | undefined;
    if (state.invoke !== undefined && (!invoke || typeof invoke.id !== 'string')) throw new Error(`task driver: state "${key}" must invoke one step with an id`);
    if (!invoke) {
      states[key] = state;
      continue;
    }
    const id = invoke.id as string;
    const { input } = invoke;
    steps.set(key, { id, request: (args) => (typeof input === 'function' ? input(args) : input) as StepRequest });
    const { invoke: _invoke, ...rest } = state;
    const on: Record<string, unknown> = { ...state.on };
    if (invoke.onDone !== undefined) on[`xstate.done.actor.${id}`] = invoke.onDone;
    if (invoke.onError !== undefined) on[`xstate.error.actor.${id}`] = invoke.onError;
    states[key] = { ...rest, on };
  }
  return { machine: createMachine({ ...machine.config, states } as never, machine.implementations as never) as unknown as TaskMachine, steps };
}
