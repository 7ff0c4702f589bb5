import type { Defect, Severity } from '../workflow/task-types.ts';
import type { Random } from '../prng.ts';

/** The PSP defect type standard, with a typical mix for injected defects. */
export const PSP_DEFECT_TYPES: ReadonlyArray<{ code: number; name: string; weight: number }> = [
  { code: 10, name: 'Documentation', weight: 6 },
  { code: 20, name: 'Syntax', weight: 14 },
  { code: 30, name: 'Build, Package', weight: 3 },
  { code: 40, name: 'Assignment', weight: 15 },
  { code: 50, name: 'Interface', weight: 12 },
  { code: 60, name: 'Checking', weight: 8 },
  { code: 70, name: 'Data', weight: 10 },
  { code: 80, name: 'Function', weight: 26 },
  { code: 90, name: 'System', weight: 3 },
  { code: 100, name: 'Environment', weight: 3 },
];

const TOTAL_WEIGHT = PSP_DEFECT_TYPES.reduce((s, t) => s + t.weight, 0);

function pickType(random: Random): { code: number; name: string } {
  let x = random.next() * TOTAL_WEIGHT;
  for (const t of PSP_DEFECT_TYPES) {
    x -= t.weight;
    if (x < 0) return t;
  }
  return PSP_DEFECT_TYPES[PSP_DEFECT_TYPES.length - 1] as { code: number; name: string };
}

function pickSeverity(random: Random): Severity {
  const x = random.next();
  return x < 0.6 ? 'minor' : x < 0.92 ? 'major' : 'critical';
}

/** Draws `count` latent defects with deterministic ids. */
export function injectDefects(random: Random, count: number, options: { idPrefix: string; phaseInjected: string; fixMinutesMedian: number }): Defect[] {
  const defects: Defect[] = [];
  for (let i = 0; i < count; i++) {
    const type = pickType(random);
    const severity = pickSeverity(random);
    const factor = severity === 'critical' ? 3 : severity === 'major' ? 1.5 : 0.6;
    defects.push({
      id: `${options.idPrefix}-d${i + 1}`,
      type: type.name,
      typeCode: type.code,
      severity,
      phaseInjected: options.phaseInjected,
      fixMinutes: Math.round(random.logNormal(options.fixMinutesMedian * factor, 0.5) * 10) / 10,
    });
  }
  return defects;
}
