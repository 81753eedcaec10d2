// Library example: build an index of the bundled sample, search it, and plug in a judge of your own.
// TypeScript under --strict: test/package/pack-install.test.ts type-checks and runs it in a fresh project.
import { buildIndex, openIndex, type Judge } from 'lattice';

const report = await buildIndex({ input: 'data/scifact-sample', output: 'example.db', force: true });
console.log(`indexed ${report.documents} documents into ${report.nodes} nodes (depth ${report.depth})`);

const index = openIndex('example.db');
const { hits, trace } = await index.search('Folate deficiency raises homocysteine', { topK: 3 });
for (const hit of hits) {
  console.log(`${hit.rank}. ${hit.score.toFixed(3)} ${hit.title} [${hit.docId}] ${hit.source.path}:${hit.source.line}`);
  console.log(`   via ${hit.path.slice(1, -1).map((node) => node.title).join(' › ')}`);
}
console.log(`${trace.judgeCalls} judge calls`);

// Any object with this shape is a judge: score each candidate 0..100 (here: shared words with the query).
const overlapJudge: Judge = {
  specificationVersion: 'v1',
  provider: 'example',
  modelId: 'word-overlap',
  async doJudge({ query, candidates }) {
    const words = new Set(query.toLowerCase().match(/\w+/g));
    const scores = candidates.map((c) => {
      const text = `${c.title} ${c.text}`.toLowerCase().match(/\w+/g) ?? [];
      const shared = new Set(text.filter((w) => words.has(w))).size;
      return Math.min(100, (100 * shared) / words.size);
    });
    return { scores };
  },
};
const custom = await index.search('Folate deficiency raises homocysteine', { judge: overlapJudge, topK: 3, beamSize: 3 });
console.log(`custom judge top hit: ${custom.hits[0]?.title}`);
index.close();
