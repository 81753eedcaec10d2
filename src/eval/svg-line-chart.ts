/**
 * Writes a small line chart as standalone SVG text: axes with round-number ticks, one polyline with
 * markers per series, a legend right of the plot, a title and axis labels. Why our own: the benchmark report needs
 * plots, no plotting package is installed, and SVG renders on GitHub and in any browser.
 * Invariant: pure and deterministic (the same data gives the same bytes); numbers are printed with
 * at most two decimals so reports diff cleanly. Used by scripts/bench-quality.ts.
 */
import { LatticeError } from '../core/errors.js';

export interface LineSeries {
  label: string;
  points: readonly { x: number; y: number }[];
  /** CSS colour; defaults to a fixed palette by series index. */
  color?: string;
  /** Draw the line dashed. Defaults to false. */
  dashed?: boolean;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly LineSeries[];
  /** Pixels, legend included (it sits right of the plot). Defaults to 760 × 400. */
  width?: number;
  height?: number;
  /** Axis ranges; default to the data's range widened to round ticks (y includes 0 when the data is near it). */
  xRange?: [number, number];
  yRange?: [number, number];
  /** Logarithmic x axis (base 2 ticks at the data's x values). Defaults to false. */
  xLog?: boolean;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

/** Round tick values covering [lo, hi], about `count` of them (1-2-5 steps). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(Number.isFinite(lo) && Number.isFinite(hi))) return [];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw * (1 - 1e-9)) ?? 10 * magnitude;
  const start = Math.ceil(lo / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = start; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function fmt(value: number): string {
  return String(Math.round(value * 100) / 100);
}

function label(value: number): string {
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e5 || abs < 1e-3)) return value.toExponential(1);
  return String(Number(value.toPrecision(6)));
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The chart as an SVG document. Throws CONFIG_INVALID when there is nothing finite to draw. */
export function svgLineChart(options: LineChartOptions): string {
  const width = options.width ?? 760;
  const height = options.height ?? 400;
  // The points that can be drawn (finite, and x > 0 on a log axis), per series, in x order.
  const drawable = options.series.map((series) =>
    series.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!options.xLog || p.x > 0)).sort((a, b) => a.x - b.x),
  );
  const xs = drawable.flat().map((p) => p.x);
  const ys = drawable.flat().map((p) => p.y);
  if (xs.length === 0) {
    throw new LatticeError('CONFIG_INVALID', `Chart "${options.title}" has no finite points to draw.`, {
      hint: 'Pass at least one series with finite x and y values.',
    });
  }
  const tx = (v: number) => (options.xLog ? Math.log2(v) : v);
  let [xLo, xHi] = options.xRange ?? [Math.min(...xs), Math.max(...xs)];
  let xTicks: number[];
  if (options.xLog) {
    xTicks = [...new Set(xs)].sort((a, b) => a - b);
    xLo = tx(xLo);
    xHi = tx(xHi);
  } else {
    xTicks = niceTicks(xLo, xHi, 6);
    xLo = Math.min(xLo, xTicks[0] ?? xLo);
    xHi = Math.max(xHi, xTicks[xTicks.length - 1] ?? xHi);
  }
  if (xHi === xLo) {
    xLo -= 1;
    xHi += 1;
  }
  let [yLo, yHi] = options.yRange ?? [Math.min(...ys), Math.max(...ys)];
  if (!options.yRange && yLo > 0 && yLo < (yHi - yLo) * 0.5) yLo = 0;
  let yTicks = niceTicks(yLo, yHi, 5);
  if (!options.yRange && yTicks.length >= 2) {
    // Widen the axis to whole tick steps so both ends carry a tick.
    const step = yTicks[1]! - yTicks[0]!;
    yLo = Math.floor(yLo / step + 1e-9) * step;
    yHi = Math.ceil(yHi / step - 1e-9) * step;
    yTicks = niceTicks(yLo, yHi, Math.round((yHi - yLo) / step));
  }
  if (yHi === yLo) {
    yLo -= 1;
    yHi += 1;
  }

  // The legend sits right of the plot, so it never hides a line.
  const legendRows = options.series.length;
  const longest = Math.max(0, ...options.series.map((s) => s.label.length));
  const boxW = 34 + longest * 6.6;
  const margin = { left: 64, right: legendRows > 0 ? boxW + 24 : 16, top: 40, bottom: 56 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const px = (v: number) => margin.left + ((tx(v) - xLo) / (xHi - xLo)) * plotW;
  const py = (v: number) => margin.top + plotH - ((v - yLo) / (yHi - yLo)) * plotH;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${fmt(width / 2)}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(options.title)}</text>`);
  // Grid and ticks.
  for (const t of yTicks) {
    if (t < yLo - 1e-12 || t > yHi + 1e-12) continue;
    const y = fmt(py(t));
    out.push(`<line x1="${margin.left}" y1="${y}" x2="${margin.left + plotW}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${margin.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${label(t)}</text>`);
  }
  for (const t of xTicks) {
    if (tx(t) < xLo - 1e-12 || tx(t) > xHi + 1e-12) continue;
    const x = fmt(px(t));
    out.push(`<line x1="${x}" y1="${margin.top}" x2="${x}" y2="${margin.top + plotH}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${x}" y="${margin.top + plotH + 16}" text-anchor="middle">${label(t)}</text>`);
  }
  // Axes.
  out.push(`<line x1="${margin.left}" y1="${margin.top + plotH}" x2="${margin.left + plotW}" y2="${margin.top + plotH}" stroke="#333"/>`);
  out.push(`<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${margin.top + plotH}" stroke="#333"/>`);
  out.push(`<text x="${fmt(margin.left + plotW / 2)}" y="${height - 14}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`);
  out.push(
    `<text x="16" y="${fmt(margin.top + plotH / 2)}" text-anchor="middle" transform="rotate(-90 16 ${fmt(margin.top + plotH / 2)})">${escapeXml(options.yLabel)}</text>`,
  );
  // Series.
  options.series.forEach((series, i) => {
    const color = series.color ?? PALETTE[i % PALETTE.length]!;
    const points = drawable[i]!;
    if (points.length === 0) return;
    const d = points.map((p) => `${fmt(px(p.x))},${fmt(py(p.y))}`).join(' ');
    out.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2"${series.dashed ? ' stroke-dasharray="6 4"' : ''} points="${d}"/>`,
    );
    for (const p of points) out.push(`<circle cx="${fmt(px(p.x))}" cy="${fmt(py(p.y))}" r="3" fill="${color}"/>`);
  });
  if (legendRows > 0) {
    const boxH = 8 + legendRows * 18;
    const lx = margin.left + plotW + 12;
    const ly = margin.top;
    out.push(`<rect x="${lx}" y="${ly}" width="${fmt(boxW)}" height="${boxH}" fill="#ffffff" fill-opacity="0.85" stroke="#cccccc"/>`);
    options.series.forEach((series, i) => {
      const color = series.color ?? PALETTE[i % PALETTE.length]!;
      const y = ly + 14 + i * 18;
      out.push(
        `<line x1="${lx + 6}" y1="${y}" x2="${lx + 26}" y2="${y}" stroke="${color}" stroke-width="2"${series.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      );
      out.push(`<text x="${lx + 32}" y="${y}" dominant-baseline="middle">${escapeXml(series.label)}</text>`);
    });
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
