import type { Defect, EstimateResult, TaskMachineInput } from '../../../src/workflow/task-types.ts';

export function taskInput(overrides: Partial<TaskMachineInput> = {}): TaskMachineInput {
  return {
    task: { id: 'task-x', title: 'Task X', cycle: 0, requirements: ['do it'], proxySize: 100 },
    maxReviewRounds: 3,
    history: [],
    ...overrides,
  };
}

export function defect(id: string): Defect {
  return { id, type: 'Function', typeCode: 80, severity: 'major', phaseInjected: 'code', fixMinutes: 10 };
}

export function estimateResult(): EstimateResult {
  const projection = { method: 'D', projected: 100, beta0: 0, beta1: 1, r2: null, significance: null, n: 0, intervals: [], rationale: 'no history', candidates: [] };
  return {
    step: 'estimate',
    minutes: 20,
    cost: { tokensIn: 0, tokensOut: 0, usd: 0 },
    estimate: { proxySize: 100, size: projection, time: { ...projection, projected: 600 }, productivityLocPerHour: null },
  };
}
