import { describe, expect, it } from 'vitest';
import { corpusStatistics, ExtractiveSummarizer } from '../../src/core/providers/extractive-summarizer.js';
import { isLatticeError } from '../../src/core/errors.js';
import type { SummarizeRequest, SummaryChild } from '../../src/core/types.js';

function doc(title: string, text: string, centrality = 0.5): SummaryChild {
  return { kind: 'document', title, text, centrality };
}

function request(children: SummaryChild[], contrast: string[] = [], maxWords = 60): SummarizeRequest {
  return { children, contrast, level: 1, isRoot: false, maxWords };
}

function words(text: string): number {
  return text.trim() ? text.trim().split(/\s+/).length : 0;
}

/** Position of a term in the "Covers:" list, or Infinity when absent. */
function rank(summary: string, term: string): number {
  const list = /^Covers: ([^.]*)\./.exec(summary)?.[1] ?? '';
  const i = list.split(', ').indexOf(term);
  return i < 0 ? Number.POSITIVE_INFINITY : i;
}

const PHOTO = [
  doc('Chlorophyll fluorescence under drought', 'Chlorophyll fluorescence tracks photosynthesis in leaves exposed to drought.', 0.9),
  doc('Photosynthesis in C4 grasses', 'C4 grasses concentrate carbon around rubisco, which raises photosynthesis in heat.', 0.8),
  doc('Rubisco activase and heat', 'Rubisco activase fails in heat, lowering photosynthesis and chlorophyll content.', 0.7),
  doc('Light harvesting complexes', 'Chlorophyll binding proteins in light harvesting complexes feed photosynthesis.', 0.6),
];

describe('ExtractiveSummarizer', () => {
  it('names the terms the children share, in the title and after "Covers:"', async () => {
    const s = new ExtractiveSummarizer();
    expect(s.provider).toBe('extractive');
    expect(s.modelId).toBe('extractive-v1');
    const result = await s.doSummarize(request(PHOTO));
    expect(result.title.toLowerCase()).toMatch(/photosynthesis|chlorophyll/);
    expect(result.summary.startsWith('Covers: ')).toBe(true);
    expect(rank(result.summary, 'photosynthesis')).toBeLessThan(3);
    expect(rank(result.summary, 'chlorophyll')).toBeLessThan(3);
    expect(rank(result.summary, 'rubisco')).toBeLessThan(6);
  });

  it('down-weights terms shared with the sibling clusters', () => {
    const children = [
      doc('Kinase inhibitors', 'Enzyme kinase inhibitors block enzyme activity.'),
      doc('Kinase cascades', 'An enzyme cascade of kinase signals; enzyme levels rise.'),
      doc('Enzyme kinetics', 'Enzyme kinetics of a kinase in vitro.'),
    ];
    const s = new ExtractiveSummarizer();
    const alone = s.summarize(request(children));
    expect(rank(alone.summary, 'enzyme')).toBeLessThan(rank(alone.summary, 'kinase'));
    const siblings = ['Enzyme structure and enzyme folding.', 'Digestive enzyme secretion.', 'Enzyme assays in serum.'];
    const contrasted = s.summarize(request(children, siblings));
    expect(rank(contrasted.summary, 'kinase')).toBeLessThan(rank(contrasted.summary, 'enzyme'));
    expect(contrasted.title.toLowerCase().startsWith('kinase')).toBe(true);
  });

  it('down-weights terms common in the corpus when given corpus statistics', () => {
    const children = [
      doc('', 'Cells express receptor ligands; receptor density varies across cells.'),
      doc('', 'Receptor signalling in cells depends on cells density.'),
    ];
    const corpus = corpusStatistics([
      ...Array.from({ length: 30 }, (_, i) => `Cells in tissue sample ${i} were counted.`),
      'A receptor binds a ligand.',
    ]);
    expect(corpus.documentCount).toBe(31);
    expect(corpus.documentFrequency.get('cell')).toBe(30);
    const plain = new ExtractiveSummarizer().summarize(request(children));
    const informed = new ExtractiveSummarizer({ corpus }).summarize(request(children));
    expect(rank(plain.summary, 'cells')).toBeLessThan(rank(plain.summary, 'receptor'));
    expect(rank(informed.summary, 'receptor')).toBeLessThan(rank(informed.summary, 'cells'));
  });

  it('shows the most common surface form instead of the stem and keeps acronyms', () => {
    const children = [
      doc('', 'Mutations in DNA repair genes; mutations accumulate.'),
      doc('', 'Somatic mutations and DNA damage; mutated cells.'),
      doc('', 'DNA mutations drive resistance.'),
    ];
    const result = new ExtractiveSummarizer().summarize(request(children));
    expect(result.summary).toMatch(/\bmutations\b/);
    expect(result.summary).not.toMatch(/\bmutat\b/);
    expect(result.summary).toMatch(/\bDNA\b/);
  });

  it('summarises clusters of clusters without echoing the summaries\' own wording', () => {
    const s = new ExtractiveSummarizer();
    const level1 = [
      s.summarize(request(PHOTO.slice(0, 2))),
      s.summarize(request(PHOTO.slice(2))),
      s.summarize(request([doc('Stomata and drought', 'Stomata close under drought to save water.')])),
    ];
    const children: SummaryChild[] = level1.map((r, i) => ({ kind: 'cluster', title: r.title, text: r.summary, centrality: 0.9 - i / 10 }));
    const result = s.summarize({ children, contrast: ['Covers: glaciers, ice sheets. Glacier retreat.'], maxWords: 40 });
    expect(result.summary.startsWith('Covers: ')).toBe(true);
    expect(rank(result.summary, 'covers')).toBe(Number.POSITIVE_INFINITY);
    expect(result.title.toLowerCase()).toMatch(/photosynthesis|chlorophyll|drought|rubisco/);
  });

  it('quotes the most central children first', () => {
    const children = [
      doc('Peripheral note', 'Chlorophyll aside.', 0.1),
      doc('Central review of photosynthesis', 'Photosynthesis and chlorophyll.', 0.95),
      doc('Middle study', 'Chlorophyll photosynthesis.', 0.5),
    ];
    const result = new ExtractiveSummarizer().summarize(request(children, [], 80));
    const central = result.summary.indexOf('Central review of photosynthesis.');
    const middle = result.summary.indexOf('Middle study.');
    expect(central).toBeGreaterThan(0);
    expect(middle).toBeGreaterThan(central);
  });

  it('uses the lead sentence of children without a title', () => {
    const children = [doc('', 'Grazing shapes alpine meadows. Later sentences add detail about grazing.', 0.9)];
    const result = new ExtractiveSummarizer().summarize(request(children));
    expect(result.summary).toContain('Grazing shapes alpine meadows.');
    expect(result.summary).not.toContain('Later sentences');
  });

  it('respects the word budget for every budget from 1 to 80', () => {
    const s = new ExtractiveSummarizer();
    for (let budget = 1; budget <= 80; budget++) {
      const result = s.summarize(request(PHOTO, [], budget));
      expect(words(result.summary)).toBeLessThanOrEqual(budget);
      expect(words(result.summary)).toBeGreaterThan(0);
    }
  });

  it('handles children with empty texts and an empty child list', () => {
    const s = new ExtractiveSummarizer();
    const blank = s.summarize(request([doc('', ''), doc('  ', '\n')]));
    expect(blank.title).toBe('2 untitled items');
    expect(blank.summary).toBe('Covers: 2 items without text.');
    const none = s.summarize(request([]));
    expect(none.title).toBe('Empty cluster');
    const numbers = s.summarize(request([doc('2019', '12 34 56')]));
    expect(numbers.title).toBe('2019');
    const mixed = s.summarize(request([doc('', ''), doc('Glacier retreat', 'Glacier retreat in the Alps.')]));
    expect(mixed.title.toLowerCase()).toContain('glacier');
  });

  it('is deterministic', () => {
    const s = new ExtractiveSummarizer();
    const a = s.summarize(request(PHOTO, ['Leaf anatomy and stomata.']));
    const b = new ExtractiveSummarizer().summarize(request(PHOTO, ['Leaf anatomy and stomata.']));
    expect(b).toEqual(a);
  });

  it('rejects bad budgets and options, and honours an aborted signal', async () => {
    const s = new ExtractiveSummarizer();
    for (const maxWords of [0, -3, Number.NaN]) {
      let caught: unknown;
      try {
        s.summarize(request(PHOTO, [], maxWords));
      } catch (error) {
        caught = error;
      }
      expect(isLatticeError(caught, 'CONFIG_INVALID')).toBe(true);
    }
    expect(() => new ExtractiveSummarizer({ titleTerms: 0 })).toThrow();
    expect(() => new ExtractiveSummarizer({ contrastStrength: -1 })).toThrow();
    const controller = new AbortController();
    controller.abort(new Error('stopped'));
    await expect(s.doSummarize({ ...request(PHOTO), abortSignal: controller.signal })).rejects.toThrow('stopped');
  });
});
