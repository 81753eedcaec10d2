/**
 * Draws ProgressEvents: a bar (stage, done/total, rate, ETA) redrawn in place on a TTY,
 * a plain line every few seconds (and at each stage's end) otherwise, nothing when quiet.
 * Why: progress is data emitted by the library; only the CLI decides how it looks.
 * Everything goes to stderr so stdout stays clean for results and --json.
 */
import type { ProgressEvent } from '../index.js';
import type { CliIO } from './io.js';

export interface ProgressRenderer {
  update(event: ProgressEvent): void;
  /** Ends the current line (call before printing anything else to stderr). */
  done(): void;
}

interface StageState {
  stage: string;
  started: number;
  lastPlain: number;
  lastDraw: number;
}

export function createProgress(io: CliIO, options: { quiet?: boolean; now?: () => number; plainIntervalMs?: number } = {}): ProgressRenderer {
  const now = options.now ?? (() => Date.now());
  const plainInterval = options.plainIntervalMs ?? 3000;
  let state: StageState | undefined;
  let drawn = false;

  const finishLine = () => {
    if (drawn && io.isTTY) io.stderr('\n');
    drawn = false;
  };

  return {
    update(event) {
      if (options.quiet) return;
      const t = now();
      if (!state || state.stage !== event.stage) {
        finishLine();
        state = { stage: event.stage, started: t, lastPlain: t, lastDraw: 0 };
      }
      const complete = event.total > 0 && event.done >= event.total;
      const line = formatProgress(event, t - state.started);
      if (io.isTTY) {
        if (!complete && t - state.lastDraw < 80) return;
        state.lastDraw = t;
        io.stderr(`\r\x1b[2K${line}`);
        drawn = true;
      } else if (complete || t - state.lastPlain >= plainInterval) {
        state.lastPlain = t;
        io.stderr(`${line}\n`);
      }
    },
    done() {
      finishLine();
    },
  };
}

/** One progress line: `embed  [#####.....]  512/1,000  51%  820/s  ETA 1s  level 2`. */
export function formatProgress(event: ProgressEvent, elapsedMs: number): string {
  const parts = [event.stage.padEnd(15)];
  if (event.total > 0) {
    const fraction = Math.min(1, event.done / event.total);
    const width = 24;
    const filled = Math.round(fraction * width);
    parts.push(`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`);
    parts.push(`${event.done.toLocaleString('en-US')}/${event.total.toLocaleString('en-US')}`);
    parts.push(`${Math.floor(fraction * 100)}%`);
    const seconds = elapsedMs / 1000;
    if (seconds > 0.2 && event.done > 0) {
      const rate = event.done / seconds;
      parts.push(`${formatRate(rate)}/s`);
      if (fraction < 1) parts.push(`ETA ${formatDuration((event.total - event.done) / rate)}`);
      else parts.push(`in ${formatDuration(seconds)}`);
    }
  } else if (event.done > 0) {
    parts.push(event.done.toLocaleString('en-US'));
  }
  if (event.message) parts.push(event.message);
  return parts.join('  ');
}

function formatRate(rate: number): string {
  if (rate >= 100) return Math.round(rate).toLocaleString('en-US');
  if (rate >= 10) return rate.toFixed(1);
  return rate.toFixed(2);
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
