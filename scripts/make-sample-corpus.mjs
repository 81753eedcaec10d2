// Draws the bundled sample corpus (data/scifact-sample) from the SciFact collection in
// ../shared/datasets/scifact, deterministically: the documents judged relevant for the
// first 60 training claims, topped up with every k-th other document to 300 documents.
// Run from the repository root: node scripts/make-sample-corpus.mjs
import fs from 'node:fs';
import path from 'node:path';

const source = path.resolve('..', 'shared', 'datasets', 'scifact');
const target = path.resolve('data', 'scifact-sample');
const size = 300;
const claims = 60;

const corpus = fs.readFileSync(path.join(source, 'corpus.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const queries = new Map(
  fs.readFileSync(path.join(source, 'queries.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => {
    const q = JSON.parse(l);
    return [q._id, q];
  }),
);
const qrels = fs.readFileSync(path.join(source, 'qrels', 'train.tsv'), 'utf8').split('\n').slice(1).filter(Boolean).map((l) => l.split('\t'));
const queryIds = [...new Set(qrels.map((r) => r[0]))].sort((a, b) => Number(a) - Number(b)).slice(0, claims);
const chosenQueries = new Set(queryIds);
const keptQrels = qrels.filter((r) => chosenQueries.has(r[0]));
const docIds = new Set(keptQrels.map((r) => r[1]));
const byId = new Map(corpus.map((d) => [d._id, d]));
const step = Math.max(1, Math.floor(corpus.length / size));
for (let i = 0; docIds.size < size && i < corpus.length; i += step) docIds.add(corpus[i]._id);

const docs = [...docIds].filter((id) => byId.has(id)).sort((a, b) => Number(a) - Number(b)).map((id) => byId.get(id));
fs.mkdirSync(path.join(target, 'qrels'), { recursive: true });
fs.writeFileSync(path.join(target, 'corpus.jsonl'), docs.map((d) => JSON.stringify({ _id: d._id, title: d.title, text: d.text })).join('\n') + '\n');
fs.writeFileSync(
  path.join(target, 'queries.jsonl'),
  queryIds.map((id) => JSON.stringify({ _id: id, text: queries.get(id).text })).join('\n') + '\n',
);
fs.writeFileSync(path.join(target, 'qrels', 'train.tsv'), 'query-id\tcorpus-id\tscore\n' + keptQrels.map((r) => r.join('\t')).join('\n') + '\n');
console.log(`${docs.length} documents, ${queryIds.length} claims, ${keptQrels.length} judgments -> ${target}`);
