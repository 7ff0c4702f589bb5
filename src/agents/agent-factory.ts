import type { PersonaName } from '../personas.ts';
import type { PersonaAgent } from './persona-agent.ts';
import { SimulatedAlex } from './simulated-alex.ts';
import { SimulatedJordan } from './simulated-jordan.ts';
import { SimulatedSarah } from './simulated-sarah.ts';

const AGENTS: Record<PersonaName, () => PersonaAgent> = {
  jordan: () => new SimulatedJordan(),
  alex: () => new SimulatedAlex(),
  sarah: () => new SimulatedSarah(),
};

/** The agent a persona runs (a listener's, or the inline transport's). */
export function createPersonaAgent(persona: PersonaName): PersonaAgent {
  return AGENTS[persona]();
}
