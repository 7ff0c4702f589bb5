/**
 * Parses a PROBE history file: JSON (an array of points, or an object with
 * a `history` array) or CSV with a header row naming the columns
 * proxySize, planSize (optional), actualSize and actualMinutes (or
 * actualHours, converted to minutes). Column names are case-insensitive
 * and may use spaces, dashes or underscores (e.g. "actual_minutes").
 */
import { AspError } from '../errors.ts';
import type { ProbeHistoryPoint } from './probe-estimate.ts';

function fail(source: string, message: string): AspError {
  return new AspError('PROBE_INPUT', `${source}: ${message}`, {
    hint: 'each history point needs proxySize, actualSize and actualMinutes (or actualHours), and may have planSize',
    exitCode: 2,
  });
}

const normalize = (key: string): string => key.toLowerCase().replace(/[\s_-]/g, '');

function numberField(source: string, where: string, name: string, value: unknown, required: boolean): number | undefined {
  if (value === undefined || value === null || value === '') {
    if (required) throw fail(source, `${where}: ${name} is missing`);
    return undefined;
  }
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
  if (!Number.isFinite(n) || n < 0) throw fail(source, `${where}: ${name} is ${JSON.stringify(value)}, expected a non-negative number`);
  return n;
}

function pointFrom(source: string, where: string, record: Record<string, unknown>): ProbeHistoryPoint {
  const fields = new Map<string, unknown>();
  for (const [k, v] of Object.entries(record)) fields.set(normalize(k), v);
  const minutes = numberField(source, where, 'actualMinutes', fields.get('actualminutes'), false);
  const hours = numberField(source, where, 'actualHours', fields.get('actualhours'), false);
  if (minutes === undefined && hours === undefined) throw fail(source, `${where}: actualMinutes (or actualHours) is missing`);
  const planSize = numberField(source, where, 'planSize', fields.get('plansize'), false);
  return {
    proxySize: numberField(source, where, 'proxySize', fields.get('proxysize'), true) as number,
    ...(planSize === undefined ? {} : { planSize }),
    actualSize: numberField(source, where, 'actualSize', fields.get('actualsize'), true) as number,
    actualMinutes: minutes ?? (hours as number) * 60,
  };
}

export function parseHistoryText(text: string, source = 'history'): ProbeHistoryPoint[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let data: unknown;
    try {
      data = JSON.parse(trimmed);
    } catch (err) {
      throw fail(source, `invalid JSON (${(err as Error).message})`);
    }
    const list = Array.isArray(data) ? data : (data as { history?: unknown }).history;
    if (!Array.isArray(list)) throw fail(source, 'expected a JSON array of points or an object with a "history" array');
    return list.map((item, i) => {
      if (typeof item !== 'object' || item === null) throw fail(source, `point ${i + 1} is not an object`);
      return pointFrom(source, `point ${i + 1}`, item as Record<string, unknown>);
    });
  }
  const lines = trimmed.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  const header = lines.shift();
  if (header === undefined) return [];
  const columns = header.split(',').map((c) => c.trim());
  return lines.map((line, i) => {
    const cells = line.split(',');
    if (cells.length !== columns.length) {
      throw fail(source, `line ${i + 2} has ${cells.length} values but the header has ${columns.length} columns`);
    }
    const record: Record<string, unknown> = {};
    columns.forEach((c, j) => (record[c] = cells[j]?.trim()));
    return pointFrom(source, `line ${i + 2}`, record);
  });
}
