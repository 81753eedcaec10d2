/**
 * Counts the terms of a corpus one text at a time: interns each term to a dense id (in order of
 * first appearance), and gives each text's distinct term ids with their counts, plus every term's
 * document frequency so far. Why one helper: the BM25 index and the TF-IDF matrix both build
 * postings from exactly this, over typed arrays that grow by doubling.
 * Invariant: call `count` once per text, in corpus order; ids never change once given.
 */
export class TermCounter {
  /** Term of each id. */
  readonly terms: string[] = [];
  private readonly ids = new Map<string, number>();
  private tf = new Uint32Array(1024);
  private lastText = new Int32Array(1024).fill(-1);
  private docFreq = new Uint32Array(1024);
  private readonly unique: number[] = [];
  private text = -1;

  /**
   * Counts one text's tokens. Returns its distinct term ids in first-occurrence order (the same
   * array, refilled by the next call); `tfOf(id)` gives each one's count in this text.
   */
  count(tokens: Iterable<string>): readonly number[] {
    const d = ++this.text;
    const unique = this.unique;
    unique.length = 0;
    for (const tok of tokens) {
      let t = this.ids.get(tok);
      if (t === undefined) {
        t = this.terms.length;
        this.ids.set(tok, t);
        this.terms.push(tok);
        if (t >= this.tf.length) this.grow();
      }
      if (this.lastText[t] !== d) {
        this.lastText[t] = d;
        this.tf[t] = 0;
        this.docFreq[t]++;
        unique.push(t);
      }
      this.tf[t]++;
    }
    return unique;
  }

  /** Count of term `t` in the text last counted. */
  tfOf(t: number): number {
    return this.tf[t]!;
  }

  /** Texts counted so far that contain term `t`. */
  df(t: number): number {
    return this.docFreq[t]!;
  }

  /** Drops the term-to-id map once no more texts come (large corpora: millions of entries); ids and `terms` stay valid. */
  forgetLookup(): void {
    this.ids.clear();
  }

  private grow(): void {
    const size = this.tf.length * 2;
    const tf = new Uint32Array(size);
    tf.set(this.tf);
    this.tf = tf;
    const docFreq = new Uint32Array(size);
    docFreq.set(this.docFreq);
    this.docFreq = docFreq;
    const lastText = new Int32Array(size).fill(-1);
    lastText.set(this.lastText);
    this.lastText = lastText;
  }
}
