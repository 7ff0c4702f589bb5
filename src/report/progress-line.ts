import { terminalSafeLine } from './terminal-text.ts';

/** A single live progress line on a terminal (nothing when not a TTY). */
export class ProgressLine {
  private last = 0;
  private readonly started = Date.now();
  private shown = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  get enabled(): boolean {
    return Boolean(this.stream.isTTY) && process.env.CI !== 'true';
  }

  update(done: number, total: number, label: string, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    const width = 24;
    const ratio = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(ratio * width);
    const elapsed = (now - this.started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const eta = rate > 0 ? Math.max(0, (total - done) / rate) : 0;
    const text = `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${done}/${total} ${terminalSafeLine(label)} · ${rate.toFixed(1)}/s · ETA ${eta.toFixed(0)}s`;
    this.stream.write(`\r\x1b[2K${text.slice(0, (this.stream.columns ?? 120) - 1)}`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) this.stream.write('\r\x1b[2K');
    this.shown = false;
  }
}
