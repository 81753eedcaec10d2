/**
 * Benchmark of the clustering step. First, side by side in one run on the same data, k, iteration
 * cap and seeds: the in-house plain k-means (`kmeans`), the in-house balanced k-means the build
 * uses (`balancedKMeans`: centroids fitted on a sample, then size-constrained passes) and
 * ml-kmeans, given the very same Float32Array[] and, separately, number[][] copies made before
 * the clock starts (whichever suits it better). Medians over --runs runs, the engines' order
 * rotated per run; ratios are ml-kmeans' faster input over each in-house engine. Then the
 * whole-tree cost of the two strategies (bottom-up partition levels and top-down split).
 * Data: a seeded mixture of Gaussian blobs in 256 dimensions, L2-normalised like embeddings.
 * Writes the figures to docs/benchmarks/kmeans.json (--json).
 * Run: npx tsc -p . && node dist/scripts/bench-kmeans.js [--sizes 10000,100000] [--k 10]
 *      [--runs 5] [--iterations 20] [--tree 100000] [--branching 10] [--dims 256] [--json FILE]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { kmeans as mlKMeans } from 'ml-kmeans';
import {
  balancedKMeans,
  createRng,
  gaussian,
  inertiaOf,
  isClusterLeaf,
  kmeans,
  median,
  partitionBalanced,
  splitTopDown,
  type ClusterTree,
} from '../src/eval/index.js';
import { repoRoot } from './synthetic-corpus.js';

interface Args {
  sizes: number[];
  k: number;
  runs: number;
  iterations: number;
  tree: number;
  branching: number;
  dims: number;
  json: string;
}

function readArgs(argv: string[]): Args {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      sizes: { type: 'string', default: '10000,100000' },
      k: { type: 'string', default: '10' },
      runs: { type: 'string', default: '5' },
      iterations: { type: 'string', default: '20' },
      tree: { type: 'string', default: '100000' },
      branching: { type: 'string', default: '10' },
      dims: { type: 'string', default: '256' },
      json: { type: 'string', default: path.join(repoRoot, 'docs/benchmarks/kmeans.json') },
    },
  });
  const whole = (name: string, text: string, least: number): number => {
    const v = Number(text);
    if (!Number.isInteger(v) || v < least) throw new Error(`--${name} must be a whole number >= ${least}, got ${text}`);
    return v;
  };
  return {
    sizes: values.sizes.split(',').map((s) => whole('sizes', s, 2)),
    k: whole('k', values.k, 2),
    runs: whole('runs', values.runs, 1),
    iterations: whole('iterations', values.iterations, 1),
    tree: whole('tree', values.tree, 2),
    branching: whole('branching', values.branching, 2),
    dims: whole('dims', values.dims, 1),
    json: path.resolve(values.json),
  };
}

/** n unit vectors around `blobs` random centres; noise scale chosen so blobs overlap a little. */
function mixture(n: number, dims: number, blobs: number, seed: number): Float32Array[] {
  const rng = createRng(seed);
  const centres = Array.from({ length: blobs }, () => unit(Float32Array.from({ length: dims }, () => gaussian(rng))));
  const sigma = 0.9 / Math.sqrt(dims);
  const out: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const c = centres[Math.floor(rng() * blobs)]!;
    const v = new Float32Array(dims);
    for (let j = 0; j < dims; j++) v[j] = c[j]! + sigma * gaussian(rng);
    out.push(unit(v));
  }
  return out;
}

function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const inv = 1 / Math.sqrt(s);
  for (let j = 0; j < v.length; j++) v[j]! *= inv;
  return v;
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Wall and CPU (user + system) seconds of one call. CPU time is steadier on a shared machine. */
function timed<T>(fn: () => T): { value: T; wall: number; cpu: number } {
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const value = fn();
  const wall = seconds(start);
  const cpu = process.cpuUsage(cpu0);
  return { value, wall, cpu: (cpu.user + cpu.system) / 1e6 };
}

interface EngineFigures {
  wall: number[];
  cpu: number[];
  inertia: number[];
  iterations: number[];
}

interface EngineSummary {
  wallMedian: number;
  cpuMedian: number;
  inertiaMedian: number;
  iterationsMedian: number;
  runs: EngineFigures;
}

const ENGINES = ['own', 'balanced', 'ml-kmeans (Float32Array[])', 'ml-kmeans (number[][])'] as const;
type Engine = (typeof ENGINES)[number];

interface KMeansRow {
  n: number;
  /** The balanced engine's size bounds: the build's proportions (groups filled to 0.8 of the cap, at least a third of it). */
  balancedBounds: { minSize: number; maxSize: number };
  engines: Record<Engine, EngineSummary>;
  /** ml-kmeans' faster input (median wall seconds) over each in-house engine, and inertia relative to it. */
  ratios: { mlInput: Engine; wallOverOwn: number; cpuOverOwn: number; wallOverBalanced: number; cpuOverBalanced: number; ownInertia: number; balancedInertia: number };
}

function summarise(x: EngineFigures): EngineSummary {
  return { wallMedian: median(x.wall), cpuMedian: median(x.cpu), inertiaMedian: median(x.inertia), iterationsMedian: median(x.iterations), runs: x };
}

function benchKMeans(args: Args): KMeansRow[] {
  console.log(`k-means: in-house plain and balanced vs ml-kmeans, k=${args.k}, iteration cap ${args.iterations}, ${args.dims} dims, median of ${args.runs} runs (wall / cpu seconds)`);
  const rows: KMeansRow[] = [];
  for (const n of args.sizes) {
    const data = mixture(n, args.dims, 50, 1);
    // ml-kmeans also takes plain arrays; the copy is made here, outside every timing.
    const arrays = data.map((v) => Array.from(v));
    const maxSize = Math.ceil(n / (0.8 * args.k));
    const bounds = { minSize: Math.ceil(maxSize / 3), maxSize };
    const figures = Object.fromEntries(ENGINES.map((e) => [e, { wall: [], cpu: [], inertia: [], iterations: [] } as EngineFigures])) as Record<Engine, EngineFigures>;
    const runEngine = (engine: Engine, seed: number) => {
      const record = (wall: number, cpu: number, assignments: ArrayLike<number>, iterations: number) => {
        const f = figures[engine];
        f.wall.push(wall);
        f.cpu.push(cpu);
        f.inertia.push(inertiaOf(data, assignments, args.k));
        f.iterations.push(iterations);
      };
      if (engine === 'own') {
        const t = timed(() => kmeans(data, { k: args.k, seed, maxIterations: args.iterations }));
        record(t.wall, t.cpu, t.value.assignments, t.value.iterations);
      } else if (engine === 'balanced') {
        const t = timed(() => balancedKMeans(data, { k: args.k, seed, ...bounds, initIterations: args.iterations }));
        record(t.wall, t.cpu, t.value.assignments, Number.NaN);
      } else {
        const input = engine === 'ml-kmeans (number[][])' ? arrays : data;
        const t = timed(() => mlKMeans(input as number[][], args.k, { seed, maxIterations: args.iterations, initialization: 'kmeans++' }));
        record(t.wall, t.cpu, t.value.clusters, t.value.iterations);
      }
    };
    for (let r = 0; r < args.runs; r++) {
      // Rotate the order so no engine always runs first (cold caches) or last (after the others' garbage).
      for (let i = 0; i < ENGINES.length; i++) runEngine(ENGINES[(i + r) % ENGINES.length]!, r + 1);
    }
    const engines = Object.fromEntries(ENGINES.map((e) => [e, summarise(figures[e])])) as Record<Engine, EngineSummary>;
    const mlInput: Engine =
      engines['ml-kmeans (number[][])'].wallMedian < engines['ml-kmeans (Float32Array[])'].wallMedian ? 'ml-kmeans (number[][])' : 'ml-kmeans (Float32Array[])';
    const ml = engines[mlInput];
    const ratios = {
      mlInput,
      wallOverOwn: ml.wallMedian / engines.own.wallMedian,
      cpuOverOwn: ml.cpuMedian / engines.own.cpuMedian,
      wallOverBalanced: ml.wallMedian / engines.balanced.wallMedian,
      cpuOverBalanced: ml.cpuMedian / engines.balanced.cpuMedian,
      ownInertia: engines.own.inertiaMedian / ml.inertiaMedian,
      balancedInertia: engines.balanced.inertiaMedian / ml.inertiaMedian,
    };
    rows.push({ n, balancedBounds: bounds, engines, ratios });
    console.log(`n=${n} (balanced: sizes ${bounds.minSize}-${bounds.maxSize})`);
    for (const e of ENGINES) {
      const s = engines[e];
      const it = Number.isNaN(s.iterationsMedian) ? '' : `, ${s.iterationsMedian} it`;
      console.log(`  ${e.padEnd(28)} ${s.wallMedian.toFixed(3)} / ${s.cpuMedian.toFixed(3)} s, inertia ${s.inertiaMedian.toFixed(2)}${it}`);
    }
    console.log(
      `  ${mlInput} over own: wall ${ratios.wallOverOwn.toFixed(2)}×, cpu ${ratios.cpuOverOwn.toFixed(2)}×; over balanced: wall ${ratios.wallOverBalanced.toFixed(2)}×, cpu ${ratios.cpuOverBalanced.toFixed(2)}× | ` +
        `inertia vs ml-kmeans: own ${ratios.ownInertia.toFixed(4)}, balanced ${ratios.balancedInertia.toFixed(4)}`,
    );
  }
  return rows;
}

interface SizeStats {
  groups: number;
  min: number;
  median: number;
  mean: number;
  max: number;
}

function sizeStats(sizes: number[]): SizeStats {
  const s = sizes.slice().sort((a, b) => a - b);
  return { groups: s.length, min: s[0]!, median: median(s), mean: s.reduce((a, b) => a + b, 0) / s.length, max: s[s.length - 1]! };
}

const sizeText = (s: SizeStats) => `groups=${s.groups} min=${s.min} median=${s.median} mean=${s.mean.toFixed(2)} max=${s.max}`;

function meanVector(vectors: readonly Float32Array[], members: number[]): Float32Array {
  const d = vectors[0]!.length;
  const acc = new Float32Array(d);
  for (const i of members) for (let j = 0; j < d; j++) acc[j]! += vectors[i]![j]!;
  return unit(acc);
}

function treeShape(tree: ClusterTree): { leaves: number[]; fanouts: number[]; depths: number[] } {
  const leaves: number[] = [];
  const fanouts: number[] = [];
  const depths: number[] = [];
  const walk = (node: ClusterTree, depth: number): void => {
    if (isClusterLeaf(node)) {
      leaves.push(node.members.length);
      depths.push(depth);
    } else {
      fanouts.push(node.children.length);
      for (const c of node.children) walk(c, depth + 1);
    }
  };
  walk(tree, 0);
  return { leaves, fanouts, depths };
}

interface TreeRow {
  n: number;
  bottomUp: {
    wall: number;
    cpu: number;
    levels: { items: number; groups: number; seconds: number; min: number; max: number }[];
    roots: number;
    level1: { sizes: SizeStats; refinedCost: number; unrefinedCost: number; unrefinedSeconds: number; unrefinedCpu: number };
  };
  topDown: { wall: number; cpu: number; leaves: SizeStats; fanOut: { min: number; median: number; max: number }; depth: { min: number; max: number } };
}

function benchTrees(args: Args): TreeRow[] {
  const m = args.branching;
  const rows: TreeRow[] = [];
  for (const n of [...new Set([10_000, args.tree])]) {
    const data = mixture(n, args.dims, 200, 7);
    const cpu0 = process.cpuUsage();
    const start = process.hrtime.bigint();
    let items: Float32Array[] = data;
    let level = 0;
    const levels: TreeRow['bottomUp']['levels'] = [];
    let level1: TreeRow['bottomUp']['level1'] | undefined;
    while (items.length > m) {
      level++;
      const { value: groups, wall: t } = timed(() => partitionBalanced(items, { maxSize: m, seed: level, metric: 'cosine' }));
      if (level === 1) {
        // The comparison run is timed apart and its time taken out of the whole-tree figures below.
        const plain = timed(() => partitionBalanced(items, { maxSize: m, seed: level, metric: 'cosine', refine: false }));
        const cost = (gs: number[][]): number => {
          const a = new Int32Array(items.length);
          gs.forEach((g, gi) => g.forEach((i) => (a[i] = gi)));
          return inertiaOf(items, a, gs.length);
        };
        level1 = { sizes: sizeStats(groups.map((g) => g.length)), refinedCost: cost(groups), unrefinedCost: cost(plain.value), unrefinedSeconds: plain.wall, unrefinedCpu: plain.cpu };
        console.log(
          `bottom-up n=${n} level 1 (${t.toFixed(2)} s): ${sizeText(level1.sizes)}; k-means cost refined ${level1.refinedCost.toFixed(1)} vs unrefined ${level1.unrefinedCost.toFixed(1)} (${plain.wall.toFixed(2)} s without refinement)`,
        );
      }
      levels.push({ items: items.length, groups: groups.length, seconds: t, min: Math.min(...groups.map((g) => g.length)), max: Math.max(...groups.map((g) => g.length)) });
      const current = items;
      items = groups.map((g) => meanVector(current, g));
    }
    const cpu = process.cpuUsage(cpu0);
    const wall = seconds(start) - (level1?.unrefinedSeconds ?? 0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6 - (level1?.unrefinedCpu ?? 0);
    console.log(
      `bottom-up n=${n} whole tree ${wall.toFixed(2)} s wall, ${cpuSeconds.toFixed(2)} s cpu; ` +
        `${levels.map((l, i) => `L${i + 1}: ${l.items}->${l.groups} in ${l.seconds.toFixed(2)} s (min ${l.min}, max ${l.max})`).join('; ')}; roots ${items.length}`,
    );
    const td = timed(() => splitTopDown(data, { maxChildren: m, seed: 1, metric: 'cosine' }));
    const shape = treeShape(td.value);
    const topDown = {
      wall: td.wall,
      cpu: td.cpu,
      leaves: sizeStats(shape.leaves),
      fanOut: { min: Math.min(...shape.fanouts), median: median(shape.fanouts), max: Math.max(...shape.fanouts) },
      depth: { min: Math.min(...shape.depths), max: Math.max(...shape.depths) },
    };
    console.log(
      `top-down n=${n} ${td.wall.toFixed(2)} s wall, ${td.cpu.toFixed(2)} s cpu; leaves ${sizeText(topDown.leaves)}; fan-out min ${topDown.fanOut.min} ` +
        `median ${topDown.fanOut.median} max ${topDown.fanOut.max}; depth ${topDown.depth.min}..${topDown.depth.max}`,
    );
    rows.push({ n, bottomUp: { wall, cpu: cpuSeconds, levels, roots: items.length, level1: level1! }, topDown });
  }
  return rows;
}

const args = readArgs(process.argv.slice(2));
const kmeansRows = benchKMeans(args);
const trees = benchTrees(args);
const { json, ...settings } = args;
fs.mkdirSync(path.dirname(json), { recursive: true });
fs.writeFileSync(
  json,
  `${JSON.stringify({ generatedBy: 'scripts/bench-kmeans.ts', machine: { cores: os.cpus().length, node: process.version, loadAverage: os.loadavg() }, settings, kmeans: kmeansRows, trees }, null, 1)}\n`,
);
console.log(`wrote ${path.relative(process.cwd(), json)}`);
