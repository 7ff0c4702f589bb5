import { AspError } from '../errors.ts';
import { LIMITS } from './scenario-limits.ts';

/**
 * A seed given as text (`--seed`, the database's runs.seed): a whole number
 * written in its canonical form ("42", "-3") is that number, anything else
 * stays the text it is, so "007" keeps its own random stream instead of
 * becoming 7. Empty or overlong text is refused (exit 2).
 */
export function seedFromText(text: string, where = '--seed'): string | number {
  if (text.length === 0 || text.length > LIMITS.seedChars) {
    throw new AspError('USAGE', `${where} must be a whole number or a text of 1 to ${LIMITS.seedChars} characters, got "${text.slice(0, 40)}"`, {
      exitCode: 2,
      hint: "e.g. --seed 42 or --seed nightly-7; leave it out to use the scenario's seed",
    });
  }
  const n = Number(text);
  return /^-?\d+$/.test(text) && Number.isSafeInteger(n) && String(n) === text ? n : text;
}
