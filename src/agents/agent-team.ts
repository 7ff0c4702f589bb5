import { AspError } from '../errors.ts';
import { WORKER_PERSONAS, type PersonaName } from '../personas.ts';
import type { AgentSpec, Scenario } from '../scenario/scenario-schema.ts';

/** Who acts as each persona in a scenario: the simulated model or a command agent. */
export function commandPersonas(scenario: Pick<Scenario, 'personas'>): PersonaName[] {
  return WORKER_PERSONAS.filter((p) => scenario.personas[p].agent !== 'simulated');
}

/** A run with a command agent is not deterministic: same scenario and seed need not give the same digest. */
export function hasCommandAgent(scenario: Pick<Scenario, 'personas'>): boolean {
  return commandPersonas(scenario).length > 0;
}

/** A persona's agent in one phrase: `simulated` or its command line. */
export function agentCommand(agent: AgentSpec): string {
  return agent === 'simulated' ? 'simulated' : agent.command.join(' ');
}

/** The actor recorded for a simulated step (telemetry `step_results.actor`). */
export const SIMULATED_ACTOR = 'simulated';

/** Fails before anything is written when a command agent cannot work in the scenario's setup. */
export function checkAgentScenario(scenario: Pick<Scenario, 'personas' | 'workspace'>, file: string): void {
  const personas = commandPersonas(scenario);
  if (personas.length > 0 && scenario.workspace !== 'git') {
    throw new AspError('SCENARIO_INVALID', `${file}: personas.${personas[0]}.agent is a command agent, which works in a git workspace, but the scenario has workspace: ${scenario.workspace}`, {
      exitCode: 2,
      hint: 'set `workspace: git` (or make the persona `agent: simulated`)',
    });
  }
}
