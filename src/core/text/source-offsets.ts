/**
 * Offset maps from a document's indexed text back to the file it was read from.
 * Why: loading may drop characters (Markdown comments, front matter and HTML tags, the CR of CRLF),
 * yet a hit must name the place in the original file. The loader keeps every line break it drops
 * markup around, so line numbers need no map: line(offset) is the same in both texts.
 * Representation: anchors [textOffset, fileOffset], both ascending, the first [0, x]; between two
 * anchors both texts advance together. Absent (undefined) means the offsets are identical.
 * File offsets are UTF-16 code units of the file's decoded text (a UTF-8 BOM excluded).
 */

export type SourceOffsets = readonly (readonly [number, number])[];

/** File offset of the indexed text's character at `offset`. */
export function fileOffset(map: SourceOffsets | undefined, offset: number): number {
  if (!map || map.length === 0) return offset;
  let lo = 0;
  let hi = map.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (map[mid]![0] <= offset) lo = mid;
    else hi = mid - 1;
  }
  const [text, file] = map[lo]!;
  return file + (offset - text);
}

/**
 * File range of the indexed range [start, end): the end maps from its last character, so markup
 * dropped right after the range is not counted into it.
 */
export function fileRange(map: SourceOffsets | undefined, start: number, end: number): { start: number; end: number } {
  const from = fileOffset(map, start);
  return { start: from, end: end > start ? fileOffset(map, end - 1) + 1 : from };
}

/** 1-based line of `offset` in `text` (and, the loader keeping line breaks, in the file). */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  const stop = Math.min(offset, text.length);
  for (let i = text.indexOf('\n'); i !== -1 && i < stop; i = text.indexOf('\n', i + 1)) line += 1;
  return line;
}

/** Builds an offset map while text is copied from a source with some spans dropped. */
export class OffsetMapBuilder {
  private readonly parts: string[] = [];
  private readonly anchors: [number, number][] = [[0, 0]];
  private length = 0;

  constructor(private readonly source: string) {}

  /** Copies source[from, to). */
  keep(from: number, to: number): void {
    if (to <= from) return;
    this.anchor(from);
    this.parts.push(this.source.slice(from, to));
    this.length += to - from;
  }

  /** Drops source[from, to) but its line breaks, each mapped to its own place in the file. */
  drop(from: number, to: number): void {
    for (let nl = this.source.indexOf('\n', from); nl !== -1 && nl < to; nl = this.source.indexOf('\n', nl + 1)) {
      this.keep(nl, nl + 1);
    }
    this.anchor(to);
  }

  /** The text kept and its map (undefined when nothing was dropped). */
  finish(): { text: string; offsets: SourceOffsets | undefined } {
    const anchors = this.anchors;
    const identity = anchors.every(([text, file]) => text === file);
    return { text: this.parts.join(''), offsets: identity ? undefined : anchors };
  }

  /** Records that the next indexed character comes from file offset `file`, when the shift changes. */
  private anchor(file: number): void {
    const last = this.anchors[this.anchors.length - 1]!;
    if (last[1] - last[0] === file - this.length) return;
    if (last[0] === this.length) last[1] = file;
    else this.anchors.push([this.length, file]);
  }
}
