/** A listener's output line: its pino JSON object, or the text as it came (a crash, a plain print). */
export function parseListenerLine(line: string): Record<string, unknown> | string {
  if (line.startsWith('{')) {
    try {
      const value: unknown = JSON.parse(line);
      if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // not JSON: passed on as text
    }
  }
  return line;
}
