import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A small team for experiments: nine tasks over three cycles, a defect-prone
 * developer and an acceptance test that finds little, so how many defects
 * escape depends mostly on Sarah's review yield.
 */
export const EXPERIMENT_SCENARIO = `
name: Experiment team
seed: 21
workspace: none
workflow: { maxReviewRounds: 6 }
personas:
  alex: { defectRate: 60 }
  jordan: { acceptanceYield: 0.1, rejectThreshold: 20 }
  sarah: { reviewYield: 0.6 }
history:
  points:
    - { proxySize: 130, planSize: 163, actualSize: 186, actualHours: 15.0 }
    - { proxySize: 650, planSize: 765, actualSize: 699, actualHours: 69.9 }
    - { proxySize: 99, planSize: 141, actualSize: 132, actualHours: 6.5 }
    - { proxySize: 150, planSize: 166, actualSize: 272, actualHours: 22.4 }
cycles:
  - generate: { count: 3, idPrefix: a }
  - generate: { count: 3, idPrefix: b }
  - generate: { count: 3, idPrefix: c }
`;

/** Writes the scenario and an experiment over it into `dir`; returns the experiment file. */
export function writeExperiment(dir: string, name: string, body: string): string {
  writeFileSync(join(dir, 'team.yaml'), EXPERIMENT_SCENARIO);
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}\nscenario: team.yaml\n${body}`);
  return file;
}
