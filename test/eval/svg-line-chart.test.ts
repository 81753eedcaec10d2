import { describe, expect, it } from 'vitest';
import { niceTicks, svgLineChart, type LineChartOptions } from '../../src/eval/svg-line-chart.js';
import { isLatticeError } from '../../src/core/errors.js';

describe('niceTicks', () => {
  it('uses 1-2-5 steps covering the range', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(3, 97, 5)).toEqual([20, 40, 60, 80]);
    expect(niceTicks(0.61, 0.69, 4)).toEqual([0.62, 0.64, 0.66, 0.68]);
  });
});

describe('svgLineChart', () => {
  // A fresh object per call, so the determinism check compares two independent inputs, not one object reused.
  const options = (): LineChartOptions => ({
    title: 'nDCG@10 vs calls <test>',
    xLabel: 'judge calls per query',
    yLabel: 'nDCG@10',
    series: [
      { label: 'tree', points: [{ x: 5, y: 0.2 }, { x: 40, y: 0.9 }, { x: 10, y: 0.5 }] },
      { label: 'flat rerank', points: [{ x: 5, y: 0.4 }, { x: 40, y: 0.8 }], dashed: true },
    ],
  });
  const chart = svgLineChart(options());

  it('is a standalone SVG with a title, axes labels, one polyline per series and a legend', () => {
    expect(chart.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(chart.trimEnd().endsWith('</svg>')).toBe(true);
    expect(chart).toContain('nDCG@10 vs calls &lt;test&gt;');
    expect(chart).toContain('judge calls per query');
    expect(chart.match(/<polyline /g)).toHaveLength(2);
    expect(chart.match(/<circle /g)).toHaveLength(5);
    expect(chart).toContain('>flat rerank</text>');
    expect(chart).toContain('stroke-dasharray');
  });

  it('draws points in x order and maps larger y higher up', () => {
    const points = chart.match(/points="([^"]+)"/)![1]!.split(' ').map((p) => p.split(',').map(Number));
    expect(points.map((p) => p[0])).toEqual([...points.map((p) => p[0])].sort((a, b) => a! - b!));
    // y = 0.2, 0.5, 0.9: screen y decreases.
    expect(points[0]![1]!).toBeGreaterThan(points[1]![1]!);
    expect(points[1]![1]!).toBeGreaterThan(points[2]![1]!);
  });

  it('is deterministic and refuses an empty chart', () => {
    const again = svgLineChart(options());
    expect(again).toBe(chart);
    try {
      svgLineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ label: 'a', points: [{ x: NaN, y: 1 }] }] });
      expect.unreachable();
    } catch (error) {
      expect(isLatticeError(error, 'CONFIG_INVALID')).toBe(true);
    }
  });
});
