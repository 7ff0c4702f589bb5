import { canonicalJson } from '../engine/outcome-digest.ts';
import type { ParameterPath } from './parameter-path.ts';

/** One point of the grid: a value for every varied path. */
export interface VariantSettings {
  index: number;
  /** "reviewYield=0.8", "maxReviewRounds=2, reviewYield=0.6"; "#2" added to repeated labels. */
  label: string;
  settings: Array<{ path: string; value: unknown }>;
}

export interface GridAxis {
  path: ParameterPath;
  values: readonly unknown[];
}

/**
 * Every combination of the axes' values, the first axis varying slowest,
 * in file order. No axes: one variant (a forecast).
 */
export function expandGrid(axes: readonly GridAxis[]): VariantSettings[] {
  let combos: Array<Array<{ path: string; value: unknown }>> = [[]];
  for (const axis of axes) combos = combos.flatMap((combo) => axis.values.map((value) => [...combo, { path: axis.path.text, value }]));
  const seen = new Map<string, number>();
  return combos.map((settings, index) => {
    const base = settings.length === 0 ? 'as planned' : settings.map((s) => `${shortName(s.path)}=${valueText(s.value)}`).join(', ');
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return { index, label: count > 1 ? `${base} #${count}` : base, settings };
  });
}

/** The index of the variant whose settings equal `wanted` (the first one when several do). */
export function findVariant(variants: readonly VariantSettings[], wanted: Record<string, unknown>): number {
  const key = (settings: VariantSettings['settings']) => canonicalJson(settings.map((s) => [s.path, s.value]));
  const target = key(variants[0]?.settings.map((s) => ({ path: s.path, value: wanted[s.path] })) ?? []);
  return variants.findIndex((v) => key(v.settings) === target);
}

/** The last field of a path, with its list index if any: `reviewYield`, `generate.count` stays `count`. */
function shortName(path: string): string {
  const parts = path.split('.');
  const last = parts[parts.length - 1] ?? path;
  return last === 'length' && parts.length > 1 ? `${parts[parts.length - 2]}.length` : last;
}

function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}
