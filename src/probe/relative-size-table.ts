/**
 * Relative-size tables (PSP Program 4; HUMPHREY95 pp. 129–131) and the
 * proxy size of planned parts (Size Estimating Template).
 *
 * 1. Normalise each historical part to size per item (size / (items || 1)).
 * 2. Take ln of each value.
 * 3. Mean and *sample* variance (n − 1) of the logs; σ = √variance.
 * 4. VS..VL = exp(avg − 2σ), exp(avg − σ), exp(avg), exp(avg + σ), exp(avg + 2σ).
 *
 * One table per proxy type (PD: Calculation, Data, I/O, Logic, Set-up,
 * Text). A table needs at least 2 parts (sample variance); otherwise it is
 * returned with `computable: false` and a reason.
 */
import { AspError } from '../errors.ts';
import { mean, sumSquaredDeviations } from './statistics.ts';

export const RELATIVE_SIZES = ['VS', 'S', 'M', 'L', 'VL'] as const;
export type RelativeSize = (typeof RELATIVE_SIZES)[number];

export interface HistoricalPart {
  name?: string;
  /** Proxy type (category); parts without one go to `DEFAULT_PROXY_TYPE`. */
  type?: string;
  /** Actual size of the part (e.g. LOC). */
  size: number;
  /** Number of items (e.g. methods); 0 or missing counts as 1, like PD. */
  items?: number;
}

export interface RelativeSizeTable {
  type: string;
  n: number;
  computable: boolean;
  reason: string | null;
  lnMean: number | null;
  lnSumSqDev: number | null;
  lnVariance: number | null;
  lnSigma: number | null;
  /** Size per item for each relative size; null when not computable. */
  sizes: Record<RelativeSize, number> | null;
}

export const DEFAULT_PROXY_TYPE = 'default';

function itemsOf(items: number | undefined): number {
  return items === undefined || items === 0 ? 1 : items;
}

function assertPart(part: HistoricalPart, index: number): void {
  if (!Number.isFinite(part.size) || part.size <= 0) {
    throw new AspError('PROBE_INPUT', `part ${part.name ?? index}: size ${String(part.size)} must be a positive number`, {
      hint: 'the log-normal table needs positive sizes; drop parts of size 0',
      exitCode: 2,
    });
  }
  if (part.items !== undefined && (!Number.isFinite(part.items) || part.items < 0)) {
    throw new AspError('PROBE_INPUT', `part ${part.name ?? index}: items ${String(part.items)} must be a non-negative number`, {
      exitCode: 2,
    });
  }
}

/** Builds one table from the given parts (their `type` is ignored). */
export function relativeSizeTable(parts: readonly HistoricalPart[], type: string = DEFAULT_PROXY_TYPE): RelativeSizeTable {
  parts.forEach(assertPart);
  const logs = parts.map((p) => Math.log(p.size / itemsOf(p.items)));
  const n = logs.length;
  const lnMean = mean(logs);
  const lnSumSqDev = sumSquaredDeviations(logs);
  const empty: RelativeSizeTable = {
    type,
    n,
    computable: false,
    reason: null,
    lnMean,
    lnSumSqDev,
    lnVariance: null,
    lnSigma: null,
    sizes: null,
  };
  if (n < 2 || lnMean === null || lnSumSqDev === null) {
    return { ...empty, reason: `n = ${n}: at least 2 parts are needed for a sample variance` };
  }
  const lnVariance = lnSumSqDev / (n - 1);
  const lnSigma = Math.sqrt(lnVariance);
  const at = (k: number): number => Math.exp(lnMean + k * lnSigma);
  return {
    ...empty,
    computable: true,
    lnVariance,
    lnSigma,
    sizes: { VS: at(-2), S: at(-1), M: at(0), L: at(1), VL: at(2) },
  };
}

/** One table per proxy type. */
export function relativeSizeTables(parts: readonly HistoricalPart[]): Record<string, RelativeSizeTable> {
  const groups = new Map<string, HistoricalPart[]>();
  for (const part of parts) {
    const type = part.type ?? DEFAULT_PROXY_TYPE;
    const list = groups.get(type) ?? [];
    list.push(part);
    groups.set(type, list);
  }
  const tables: Record<string, RelativeSizeTable> = {};
  for (const [type, list] of groups) tables[type] = relativeSizeTable(list, type);
  return tables;
}

/** Size of one planned part: size-per-item(type, relative size) × (items || 1). */
export function partSize(table: RelativeSizeTable, relativeSize: RelativeSize, items?: number): number {
  if (!table.sizes) {
    throw new AspError('PROBE_INPUT', `relative-size table "${table.type}" is not computable: ${table.reason ?? 'no data'}`, {
      hint: 'add historical parts of this type or use another type',
      exitCode: 2,
    });
  }
  if (!RELATIVE_SIZES.includes(relativeSize)) {
    throw new AspError('PROBE_INPUT', `relative size "${String(relativeSize)}" is not one of ${RELATIVE_SIZES.join(', ')}`, {
      exitCode: 2,
    });
  }
  if (items !== undefined && (!Number.isFinite(items) || items < 0)) {
    throw new AspError('PROBE_INPUT', `items ${String(items)} must be a non-negative number`, { exitCode: 2 });
  }
  return table.sizes[relativeSize] * itemsOf(items);
}

export interface PlannedPart {
  name?: string;
  type: string;
  relativeSize: RelativeSize;
  items?: number;
}

export interface PartsProxySize {
  /** PA: total size of the added parts. */
  total: number;
  parts: { name?: string; type: string; relativeSize: RelativeSize; items: number; size: number }[];
}

/** PA, the proxy size of the planned added parts, from the tables. */
export function proxySizeFromParts(tables: Readonly<Record<string, RelativeSizeTable>>, parts: readonly PlannedPart[]): PartsProxySize {
  const rows = parts.map((part) => {
    const table = tables[part.type];
    if (!table) {
      throw new AspError('PROBE_INPUT', `no relative-size table for proxy type "${part.type}"`, {
        hint: `known types: ${Object.keys(tables).join(', ') || '(none)'}`,
        exitCode: 2,
      });
    }
    const size = partSize(table, part.relativeSize, part.items);
    return { ...(part.name === undefined ? {} : { name: part.name }), type: part.type, relativeSize: part.relativeSize, items: itemsOf(part.items), size };
  });
  return { total: rows.reduce((s, r) => s + r.size, 0), parts: rows };
}

export interface SizeWorksheetInput {
  /** B: base size. */ base?: number;
  /** D: deleted. */ deleted?: number;
  /** M: modified. */ modified?: number;
  /** BA: base additions. */ baseAdded?: number;
  /** PA: parts additions. */ partsAdded?: number;
  /** R: reused. */ reused?: number;
}

/** E = BA + PA + M (Estimated Proxy Size). */
export function estimatedProxySize(input: SizeWorksheetInput): number {
  return (input.baseAdded ?? 0) + (input.partsAdded ?? 0) + (input.modified ?? 0);
}

/** T = P + B − D − M + R (Estimated Total Size), given the projected added & modified size P. */
export function estimatedTotalSize(projectedAddedModified: number, input: SizeWorksheetInput): number {
  return projectedAddedModified + (input.base ?? 0) - (input.deleted ?? 0) - (input.modified ?? 0) + (input.reused ?? 0);
}
