import type { PersonaName } from '../personas.ts';
import type { ProbeEstimate, ProbeHistoryPoint } from '../probe/index.ts';

/** The persona steps of one task. `implement` at round 0, `fix` in rework rounds. */
export const STEP_NAMES = ['define', 'estimate', 'implement', 'fix', 'review', 'accept'] as const;
export type StepName = (typeof STEP_NAMES)[number];

export const STEP_PERSONA: Readonly<Record<StepName, PersonaName>> = {
  define: 'jordan',
  estimate: 'alex',
  implement: 'alex',
  fix: 'alex',
  review: 'sarah',
  accept: 'jordan',
};

/** PSP phase a step's time is logged under. */
export const STEP_PHASE: Readonly<Record<StepName, string>> = {
  define: 'requirements',
  estimate: 'planning',
  implement: 'code',
  fix: 'rework',
  review: 'code-review',
  accept: 'acceptance-test',
};

export type Severity = 'minor' | 'major' | 'critical';

/** A latent defect: ground truth injected by Alex's model, found (or not) later. */
export interface Defect {
  id: string;
  /** PSP defect type name, e.g. 'Function'. */
  type: string;
  /** PSP defect type code (10..100). */
  typeCode: number;
  severity: Severity;
  phaseInjected: string;
  fixMinutes: number;
  /** Where a reviewer saw it (file:line): defects a command agent reported. */
  location?: string;
  description?: string;
}

export interface RemovedDefect extends Defect {
  phaseRemoved: string;
  foundBy: PersonaName;
  round: number;
}

export interface SizeMeasure {
  added: number;
  modified: number;
  deleted: number;
  addedModified: number;
  /** 'git' when measured with `git diff --numstat`, 'model' in workspace mode `none`. */
  measuredBy: 'git' | 'model';
}

export interface StepCost {
  tokensIn: number;
  tokensOut: number;
  usd: number;
}

interface StepResultBase {
  /** Simulated minutes the persona spent on this step. */
  minutes: number;
  cost: StepCost;
  commit?: string;
  /** Who acted: `command:<name>@<version>` for a command agent; absent for the simulated model. */
  actor?: string;
  /** What a command agent said it did. */
  note?: string;
}

export interface DefineResult extends StepResultBase {
  step: 'define';
  /** Effective requirement quality for this task (0..1). */
  requirementQuality: number;
  requirementCount: number;
}

export interface EstimateResult extends StepResultBase {
  step: 'estimate';
  estimate: ProbeEstimate;
}

export interface ImplementResult extends StepResultBase {
  step: 'implement' | 'fix';
  /** Size of this step's change. */
  size: SizeMeasure;
  injected: Defect[];
  /** Ids of the defects this step fixed (fix only). */
  fixed: string[];
}

export interface ReviewResult extends StepResultBase {
  step: 'review';
  /** Ids of latent defects found. */
  found: string[];
  /** Defects the reviewer reported that the engine did not know of (a command agent's findings). */
  reported?: Defect[];
  verdict: 'approved' | 'changes_requested';
}

export interface AcceptResult extends StepResultBase {
  step: 'accept';
  found: string[];
  /** Defects the acceptance tests found that the engine did not know of (a command agent's findings). */
  reported?: Defect[];
  verdict: 'accepted' | 'rejected';
}

export type StepResult = DefineResult | EstimateResult | ImplementResult | ReviewResult | AcceptResult;

/** What the machine knows about a task before it starts. */
export interface TaskSubject {
  id: string;
  title: string;
  cycle: number;
  requirements: string[];
  /** True proxy size of the task (from its parts and the relative-size tables). */
  proxySize: number;
}

export interface TaskMachineInput {
  task: TaskSubject;
  maxReviewRounds: number;
  /** PROBE history: the scenario's history plus every task of earlier cycles. */
  history: ProbeHistoryPoint[];
}

/** Common part of every step request; the runner adds run-level fields. */
export interface StepRequestBase {
  taskId: string;
  round: number;
}

export interface DefineRequest extends StepRequestBase {
  step: 'define';
  title: string;
  requirements: string[];
}

export interface EstimateRequest extends StepRequestBase {
  step: 'estimate';
  proxySize: number;
  history: ProbeHistoryPoint[];
}

export interface ImplementRequest extends StepRequestBase {
  step: 'implement' | 'fix';
  proxySize: number;
  requirementQuality: number;
  /** Defects found in the last review, to fix (fix only). */
  toFix: Defect[];
}

export interface ReviewRequest extends StepRequestBase {
  step: 'review';
  /** Ground truth the simulated reviewer may find. */
  latent: Defect[];
  size: number;
}

export interface AcceptRequest extends StepRequestBase {
  step: 'accept';
  latent: Defect[];
}

export type StepRequest = DefineRequest | EstimateRequest | ImplementRequest | ReviewRequest | AcceptRequest;

export type FailureReason = 'step-failed' | 'round-limit' | 'rejected';

export interface PhaseTime {
  step: StepName;
  round: number;
  persona: PersonaName;
  minutes: number;
}

/** The final, comparable state of one task. */
export interface TaskOutcome {
  taskId: string;
  cycle: number;
  state: 'done' | 'failed';
  failure?: { reason: FailureReason; message: string };
  reviewRounds: number;
  estimate?: ProbeEstimate;
  /** Actual added & modified size over all of Alex's steps. */
  actualSize: number;
  /** Alex's minutes (planning, code, rework): PROBE's actual development time. */
  actualMinutes: number;
  totalMinutes: number;
  phases: PhaseTime[];
  injected: Defect[];
  removed: RemovedDefect[];
  escaped: Defect[];
}
