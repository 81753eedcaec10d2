/**
 * Benchmark of the clustering step: the in-house k-means against ml-kmeans (same data, k,
 * iteration cap and seeds; median seconds, ratio, inertia), then the whole-tree cost of the
 * two strategies (bottom-up partition levels and top-down split) with size statistics.
 * Data: a seeded mixture of Gaussian blobs in 256 dimensions, L2-normalised like embeddings.
 * Run: npx tsc -p . && node dist/scripts/bench-kmeans.js [--sizes 10000,100000] [--k 10]
 *      [--runs 3] [--iterations 20] [--tree 100000] [--branching 10]
 */
import { kmeans as mlKMeans } from 'ml-kmeans';
import { createRng, gaussian } from '../src/core/math/random.js';
import { kmeans } from '../indexer/cluster/kmeans.js';
import { inertiaOf } from '../indexer/cluster/geometry.js';
import { partitionBalanced } from '../indexer/cluster/balanced-partition.js';
import { splitTopDown, isClusterLeaf, type ClusterTree } from '../indexer/cluster/top-down-split.js';
import { median } from './synthetic-corpus.js';

interface Args {
  sizes: number[];
  k: number;
  runs: number;
  iterations: number;
  tree: number;
  branching: number;
  dims: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { sizes: [10_000, 100_000], k: 10, runs: 3, iterations: 20, tree: 100_000, branching: 10, dims: 256 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    const value = argv[i + 1] ?? '';
    if (key === '--sizes') args.sizes = value.split(',').map(Number);
    else if (key === '--k') args.k = Number(value);
    else if (key === '--runs') args.runs = Number(value);
    else if (key === '--iterations') args.iterations = Number(value);
    else if (key === '--tree') args.tree = Number(value);
    else if (key === '--branching') args.branching = Number(value);
    else if (key === '--dims') args.dims = Number(value);
    else throw new Error(`unknown argument ${key}`);
  }
  return args;
}

/** n unit vectors around `blobs` random centres; noise scale chosen so blobs overlap a little. */
function mixture(n: number, dims: number, blobs: number, seed: number): Float32Array[] {
  const rng = createRng(seed);
  const centres = Array.from({ length: blobs }, () => unit(Float32Array.from({ length: dims }, () => gaussian(rng))));
  const sigma = 0.9 / Math.sqrt(dims);
  const out: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const c = centres[Math.floor(rng() * blobs)];
    const v = new Float32Array(dims);
    for (let j = 0; j < dims; j++) v[j] = c[j] + sigma * gaussian(rng);
    out.push(unit(v));
  }
  return out;
}

function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const inv = 1 / Math.sqrt(s);
  for (let j = 0; j < v.length; j++) v[j] *= inv;
  return v;
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function sizeStats(sizes: number[]): string {
  const s = sizes.slice().sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  const hist = new Map<number, number>();
  for (const x of s) hist.set(x, (hist.get(x) ?? 0) + 1);
  const histText = [...hist.entries()].map(([size, count]) => `${size}:${count}`).join(' ');
  return `groups=${s.length} min=${s[0]} median=${median(s)} mean=${mean.toFixed(2)} max=${s[s.length - 1]} sizes{${histText}}`;
}

function meanVector(vectors: readonly Float32Array[], members: number[]): Float32Array {
  const d = vectors[0].length;
  const acc = new Float32Array(d);
  for (const i of members) for (let j = 0; j < d; j++) acc[j] += vectors[i][j];
  return unit(acc);
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

function benchKMeans(args: Args): void {
  console.log(`k-means: own vs ml-kmeans, k=${args.k}, iteration cap ${args.iterations}, ${args.dims} dims, median of ${args.runs} runs (wall / cpu seconds)`);
  for (const n of args.sizes) {
    const data = mixture(n, args.dims, 50, 1);
    const own = { wall: [] as number[], cpu: [] as number[], inertia: [] as number[], iterations: [] as number[] };
    const ml = { wall: [] as number[], cpu: [] as number[], inertia: [] as number[], iterations: [] as number[] };
    for (let r = 0; r < args.runs; r++) {
      const a = timed(() => kmeans(data, { k: args.k, seed: r + 1, maxIterations: args.iterations }));
      own.wall.push(a.wall);
      own.cpu.push(a.cpu);
      own.inertia.push(inertiaOf(data, a.value.assignments, args.k));
      own.iterations.push(a.value.iterations);
      // ml-kmeans needs plain arrays; the conversion is part of its cost in practice.
      const b = timed(() =>
        mlKMeans(
          data.map((v) => Array.from(v)),
          args.k,
          { seed: r + 1, maxIterations: args.iterations, initialization: 'kmeans++' },
        ),
      );
      ml.wall.push(b.wall);
      ml.cpu.push(b.cpu);
      ml.inertia.push(inertiaOf(data, b.value.clusters, args.k));
      ml.iterations.push(b.value.iterations);
    }
    const line = (name: string, x: typeof own): string =>
      `${name} ${median(x.wall).toFixed(3)} / ${median(x.cpu).toFixed(3)} s, inertia ${median(x.inertia).toFixed(2)}, ${median(x.iterations)} it`;
    console.log(
      `n=${n}: ${line('own', own)} | ${line('ml-kmeans', ml)} | ml/own wall ${(median(ml.wall) / median(own.wall)).toFixed(2)}, ` +
        `cpu ${(median(ml.cpu) / median(own.cpu)).toFixed(2)} | own/ml inertia ${(median(own.inertia) / median(ml.inertia)).toFixed(4)}`,
    );
  }
}

function treeStats(tree: ClusterTree): { leaves: number[]; fanouts: number[]; depths: number[] } {
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

function benchTrees(args: Args): void {
  const m = args.branching;
  for (const n of [10_000, args.tree]) {
    const data = mixture(n, args.dims, 200, 7);
    const cpu0 = process.cpuUsage();
    const start = process.hrtime.bigint();
    let items: Float32Array[] = data;
    let level = 0;
    const perLevel: string[] = [];
    while (items.length > m) {
      level++;
      const { value: groups, wall: t } = timed(() => partitionBalanced(items, { maxSize: m, seed: level, metric: 'cosine' }));
      if (level === 1) {
        console.log(`bottom-up n=${n} level 1 (${t.toFixed(2)} s): ${sizeStats(groups.map((g) => g.length))}`);
        const plain = timed(() => partitionBalanced(items, { maxSize: m, seed: level, metric: 'cosine', refine: false }));
        const cost = (gs: number[][]): number => {
          const a = new Int32Array(items.length);
          gs.forEach((g, gi) => g.forEach((i) => (a[i] = gi)));
          return inertiaOf(items, a, gs.length);
        };
        console.log(
          `  level-1 k-means cost: refined ${cost(groups).toFixed(1)} vs unrefined ${cost(plain.value).toFixed(1)} ` +
            `(${plain.wall.toFixed(2)} s without refinement)`,
        );
      }
      perLevel.push(`L${level}: ${items.length}->${groups.length} in ${t.toFixed(2)} s (min ${Math.min(...groups.map((g) => g.length))}, max ${Math.max(...groups.map((g) => g.length))})`);
      const current = items;
      items = groups.map((g) => meanVector(current, g));
    }
    const cpu = process.cpuUsage(cpu0);
    console.log(
      `bottom-up n=${n} whole tree ${seconds(start).toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s cpu; ` +
        `${perLevel.join('; ')}; roots ${items.length}`,
    );

    const td = timed(() => splitTopDown(data, { maxChildren: m, seed: 1, metric: 'cosine' }));
    const stats = treeStats(td.value);
    console.log(
      `top-down n=${n} ${td.wall.toFixed(2)} s wall, ${td.cpu.toFixed(2)} s cpu; leaves ${sizeStats(stats.leaves)}; fan-out min ${Math.min(...stats.fanouts)} ` +
        `median ${median(stats.fanouts)} max ${Math.max(...stats.fanouts)}; depth ${Math.min(...stats.depths)}..${Math.max(...stats.depths)}`,
    );
  }
}

const args = parseArgs(process.argv.slice(2));
benchKMeans(args);
benchTrees(args);
