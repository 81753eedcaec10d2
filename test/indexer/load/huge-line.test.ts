import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCorpus } from '../../../indexer/load/load-corpus.js';
import { put, removeTempDirs, tempDir } from './load-helpers.js';

afterAll(removeTempDirs);

const MB = 1 << 20;

/** A handle on V8's collector (the usual expose-gc trick), so retained memory can be told from garbage not yet swept. */
function collector(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

describe('a 50 MB single line', () => {
  it('is reported as oversized with its line and id while memory stays bounded', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'corpus.jsonl');
    // Written in 1 MB pieces so the test itself never holds the 50 MB line.
    const fd = openSync(file, 'w');
    writeSync(fd, '{"_id": "small", "text": "before"}\n{"_id": "big", "title": "huge", "text": "');
    const piece = Buffer.alloc(MB, 'a');
    for (let i = 0; i < 50; i += 1) writeSync(fd, piece);
    writeSync(fd, '"}\n{"_id": "after", "text": "still read"}\n');
    closeSync(fd);

    // Warm up module loading and the stream machinery before taking the baseline.
    await loadCorpus(put(dir, 'warm.jsonl', '{"_id": "w", "text": "x"}\n'));
    const gc = collector();
    const retained = (): number => {
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    gc?.();
    const baseline = process.memoryUsage().rss;
    const retainedBaseline = retained();
    let peak = baseline;
    let retainedPeak = retainedBaseline;
    let samples = 0;
    // Sampled from the progress callback (once per MiB read), so the points are the same on every run.
    // RSS alone lags behind (swept buffers stay resident for a while); after a forced collection,
    // heap plus buffers shows what the reader really holds, which must stay near its line cap.
    const sample = (): void => {
      samples += 1;
      peak = Math.max(peak, process.memoryUsage().rss);
      if (gc) {
        gc();
        retainedPeak = Math.max(retainedPeak, retained());
      }
    };
    const result = await loadCorpus(file, { skipBad: true, onProgress: sample });
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(samples).toBeGreaterThan(40);

    expect(result.documents.map((d) => [d.id, d.source.line])).toEqual([
      ['small', 1],
      ['after', 3],
    ]);
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]).toMatchObject({ kind: 'oversized', line: 2, id: 'big', path: file });
    const growthMb = (peak - baseline) / MB;
    expect(growthMb).toBeLessThan(100);
    if (gc) {
      // The default cap holds at most maxDocumentChars × 6 + 1 MiB, about 7 MB, of one line.
      expect((retainedPeak - retainedBaseline) / MB).toBeLessThan(25);
    }
  });
});
