import { describe, expect, it } from 'vitest';
import { clusterDraft, documentDraft, type DraftNode } from '../../indexer/draft-tree.js';
import { keywordProfiles } from '../../indexer/keyword-profile.js';
import { Bm25Index } from '../../src/core/lexical/bm25.js';
import { tokenize } from '../../src/core/text/tokenize.js';
import type { CorpusDocument } from '../../src/core/types.js';

// "cells" is heavy in every cluster; each cluster also has words of its own. The filler cluster D
// makes the corpus large enough that idf alone does not push "cells" down.
const TEXTS: Record<string, [string, string]> = {
  a1: ['Protein folding', 'Proteins fold with help: proteins bind proteins while they fold in cells, cells, cells.'],
  a2: ['Chaperones', 'A chaperone assists the folding of proteins; misfolded proteins aggregate in cells, cells, cells.'],
  b1: ['Malaria parasites', 'Malaria parasites infect red blood cells, cells, cells. Mosquitoes spread malaria in 2019.'],
  b2: ['Bed nets', 'Insecticide nets cut malaria transmission to children; cells, cells, cells of mosquitoes die on nets.'],
  c1: ['Cell division', 'Chromosomes: cells divide by mitosis; spindle fibres pull chromosomes apart in cells, cells.'],
  c2: ['Meiosis', 'Meiosis halves chromosomes; crossing over mixes chromosomes before cells, cells, cells divide.'],
};
for (let i = 0; i < 50; i++) TEXTS[`d${i}`] = [`Filler ${i}`, `Filler text number ${i} on subject${i} with word${i}.`];

function doc(id: string): CorpusDocument {
  const [title, text] = TEXTS[id]!;
  return { id, title, text, source: { path: 'test.jsonl' } };
}

/** root → clusters A (a1, a2), B (b1, b2), C (c1, c2), D (d0..d49). */
function sampleTree(): { root: DraftNode; clusters: Record<'A' | 'B' | 'C' | 'D', DraftNode> } {
  const leaf = (id: string) => documentDraft(doc(id), [], new Float32Array(2), []);
  const clusters = {
    A: clusterDraft([leaf('a1'), leaf('a2')], null),
    B: clusterDraft([leaf('b1'), leaf('b2')], null),
    C: clusterDraft([leaf('c1'), leaf('c2')], null),
    D: clusterDraft(Array.from({ length: 50 }, (_, i) => leaf(`d${i}`)), null),
  };
  return { root: clusterDraft([clusters.A, clusters.B, clusters.C, clusters.D], null), clusters };
}

function stats() {
  return Bm25Index.build(Object.keys(TEXTS).map((id) => ({ id, text: `${TEXTS[id]![0]} ${TEXTS[id]![1]}` }))).stats();
}

/** Stems of every document under `node`. */
function stemsUnder(node: DraftNode): Set<string> {
  const out = new Set<string>();
  const walk = (n: DraftNode) => {
    if (n.doc) for (const t of tokenize(`${n.doc.title} ${n.doc.text}`)) out.add(t);
    n.children.forEach(walk);
  };
  walk(node);
  return out;
}

describe('keywordProfiles', () => {
  it('counts, for every keyword, the documents under the cluster that contain it', () => {
    const { root, clusters } = sampleTree();
    keywordProfiles(root, { stats: stats() });
    for (const cluster of [root, clusters.A, clusters.B, clusters.C, clusters.D]) {
      expect(cluster.keywordDocs).toHaveLength(cluster.keywords!.length);
      const docs: string[] = [];
      const walk = (n: DraftNode) => (n.doc ? docs.push(`${n.doc.title} ${n.doc.text}`) : n.children.forEach(walk));
      walk(cluster);
      cluster.keywords!.forEach((word, i) => {
        const stem = tokenize(word)[0]!;
        expect(cluster.keywordDocs![i]).toBe(docs.filter((text) => tokenize(text).includes(stem)).length);
      });
    }
    const at = (node: DraftNode, word: string) => node.keywordDocs![node.keywords!.indexOf(word)];
    expect(at(clusters.B, 'malaria')).toBe(2);
    expect(at(clusters.B, 'mosquitoes')).toBe(2);
    expect(at(clusters.B, 'insecticide')).toBe(1);
    expect(at(root, 'cells')).toBe(6);
  });

  it('gives every cluster the vocabulary of its own subtree, in surface forms', () => {
    const { root, clusters } = sampleTree();
    keywordProfiles(root, { stats: stats() });
    for (const cluster of [root, clusters.A, clusters.B, clusters.C]) {
      const stems = stemsUnder(cluster);
      expect(cluster.keywords!.length).toBeGreaterThan(0);
      // Small clusters keep all their showable terms.
      expect(cluster.keywords!.length).toBe([...stems].filter((s) => /\p{L}/u.test(s) && s.length >= 2).length);
      for (const keyword of cluster.keywords!) {
        // Each keyword is one word that the analyser maps back to a stem found under the cluster.
        const analysed = tokenize(keyword);
        expect(analysed).toHaveLength(1);
        expect(stems.has(analysed[0]!)).toBe(true);
      }
    }
    expect(clusters.A.children[0]!.keywords).toBeNull();
    expect(clusters.A.keywords).toContain('proteins');
    expect(clusters.A.keywords).not.toContain('protein');
    expect(clusters.A.keywords).not.toContain('malaria');
    expect(clusters.B.keywords).toContain('malaria');
    expect(root.keywords).toEqual(expect.arrayContaining(['malaria', 'proteins', 'chromosomes', 'subject7']));
    // Numbers and stop words are never keywords.
    expect(root.keywords).not.toContain('2019');
    expect(root.keywords).not.toContain('the');
  });

  it('lists the terms that set a cluster apart from its siblings first', () => {
    const { root, clusters } = sampleTree();
    keywordProfiles(root, { stats: stats() });
    const a = clusters.A.keywords!;
    // By mass alone "cells" (tf 3 in both documents) outranks "chaperone" (once, in one), but a
    // third of the root's "cells" mass is under each cluster while "chaperone" is A's alone.
    expect(a.indexOf('chaperone')).toBeLessThan(a.indexOf('cells'));
    expect(a[0]).toBe('proteins');
    expect(clusters.B.keywords![0]).toBe('malaria');
    expect(clusters.C.keywords![0]).toBe('chromosomes');
  });

  it('is deterministic and honours maxKeywords', () => {
    const one = sampleTree();
    const two = sampleTree();
    keywordProfiles(one.root, { stats: stats() });
    keywordProfiles(two.root, { stats: stats() });
    expect(two.root.keywords).toEqual(one.root.keywords);
    expect(two.clusters.B.keywords).toEqual(one.clusters.B.keywords);

    const capped = sampleTree();
    keywordProfiles(capped.root, { stats: stats(), maxKeywords: 3 });
    expect(capped.root.keywords).toHaveLength(3);
    // The cap keeps the terms of most mass, listed in the same order as the full profile.
    expect(capped.clusters.B.keywords).toContain('malaria');
    const full = one.clusters.B.keywords!;
    const positions = capped.clusters.B.keywords!.map((k) => full.indexOf(k));
    expect(positions).toEqual([...positions].sort((x, y) => x - y));

    const none = sampleTree();
    keywordProfiles(none.root, { stats: stats(), maxKeywords: 0 });
    expect(none.root.keywords).toEqual([]);
    expect(none.clusters.A.keywords).toEqual([]);
  });

  it('profiles a chunked document from its whole text', () => {
    const long: CorpusDocument = {
      id: 'long',
      title: 'Reactor',
      text: 'Cooling pumps move water. '.repeat(20) + 'Control rods absorb neutrons.',
      source: { path: 'long.txt' },
    };
    const chunks = [
      { docId: 'long', index: 0, text: long.text.slice(0, 300), start: 0, end: 300 },
      { docId: 'long', index: 1, text: long.text.slice(300), start: 300, end: long.text.length },
    ];
    const docNode = documentDraft(long, chunks, new Float32Array(2), [new Float32Array(2), new Float32Array(2)]);
    const other = documentDraft(doc('b1'), [], new Float32Array(2), []);
    const root = clusterDraft([docNode, other], null);
    const bm25 = Bm25Index.build([
      { id: 'long', text: `${long.title} ${long.text}` },
      { id: 'b1', text: `${TEXTS.b1![0]} ${TEXTS.b1![1]}` },
    ]);
    keywordProfiles(root, { stats: bm25.stats() });
    expect(root.keywords).toEqual(expect.arrayContaining(['neutrons', 'pumps', 'malaria']));
    expect(docNode.keywords).toBeNull();
    expect(docNode.children[0]!.keywords).toBeNull();
  });
});
