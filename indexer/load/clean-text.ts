/**
 * The text a folder document is indexed with, and its offset map back to the file.
 * Why: Markdown pages carry markup no reader or judge wants as words (`<!-- introduced_in=v10.5.0 -->`,
 * YAML front matter, `<a id="x"></a>`, `<td>`); indexed, it turned cluster titles into
 * "Introduced_in, require, module" and a page title into `<!--`. CRLF is folded to LF for every file.
 * What is dropped (Markdown only): a front-matter block at the very start, HTML comments and HTML
 * tags of known element names (lower case, so `<Buffer>` and `<Object>` in prose stay). Nothing is
 * dropped inside fenced code blocks or inline code spans, where markup is the content.
 * Invariant: every line break of the file is kept, so line numbers are the file's; the offset map
 * (src/core/text/source-offsets.ts) gives character offsets in the file. Pure; used by load-folder.ts.
 */
import { OffsetMapBuilder, type SourceOffsets } from '../../src/core/text/source-offsets.js';
import { MARKDOWN_FENCE } from './markdown-headings.js';

/** HTML element names dropped as tags (their content stays). */
const HTML_ELEMENTS = new Set(
  (
    'a abbr address article aside b bdi bdo big blockquote br caption center cite code col colgroup dd del details dfn div dl dt ' +
    'em figcaption figure font footer h1 h2 h3 h4 h5 h6 header hr i img ins kbd label li main mark nav ol p picture pre q s samp ' +
    'section small source span strike strong sub summary sup table tbody td tfoot th thead tr tt u ul var wbr'
  ).split(' '),
);
const TAG = /<\/?([a-z][a-z0-9]*)(?:[ \t][^<>\n]*)?\/?>/y;
const FRONT_MATTER = /^---[ \t]*\n[\s\S]*?\n(?:---|\.\.\.)[ \t]*(?:\n|$)/;

export interface CleanText {
  text: string;
  /** Offset map from `text` to the file's text; undefined when they are identical. */
  offsets: SourceOffsets | undefined;
}

/** `raw` with CR of CRLF dropped and, when `markdown`, front matter, HTML comments and HTML tags dropped. */
export function cleanText(raw: string, markdown: boolean): CleanText {
  const out = new OffsetMapBuilder(raw);
  let pos = 0;
  if (markdown) {
    const front = FRONT_MATTER.exec(raw);
    if (front) {
      out.drop(0, front[0].length);
      pos = front[0].length;
    }
  }
  /** Copies [from, to) without the CR of each CRLF. */
  const keep = (from: number, to: number): void => {
    for (let cr = raw.indexOf('\r\n', from); cr !== -1 && cr < to; cr = raw.indexOf('\r\n', from)) {
      out.keep(from, cr);
      out.drop(cr, cr + 1);
      from = cr + 1;
    }
    out.keep(from, to);
  };
  if (!markdown) {
    keep(pos, raw.length);
    return out.finish();
  }
  let copied = pos;
  let fence: string | undefined;
  let lineStart = true;
  while (pos < raw.length) {
    if (lineStart) {
      lineStart = false;
      const nl = raw.indexOf('\n', pos);
      const lineEnd = nl === -1 ? raw.length : nl + 1;
      const opener = MARKDOWN_FENCE.exec(raw.slice(pos, Math.min(lineEnd, pos + 64)))?.[1];
      const closes = fence !== undefined && opener !== undefined && opener[0] === fence[0] && opener.length >= fence.length;
      if (fence !== undefined || opener !== undefined) {
        // Fenced code is content: its lines are copied as they are.
        fence = fence === undefined ? opener : closes ? undefined : fence;
        pos = lineEnd;
        lineStart = true;
        continue;
      }
    }
    const ch = raw.charCodeAt(pos);
    if (ch === 0x0a) {
      pos += 1;
      lineStart = true;
    } else if (ch === 0x60) {
      pos = afterCodeSpan(raw, pos);
    } else if (ch === 0x3c && raw.startsWith('<!--', pos)) {
      const close = raw.indexOf('-->', pos + 4);
      if (close === -1) {
        pos += 4;
        continue;
      }
      keep(copied, pos);
      out.drop(pos, close + 3);
      pos = copied = close + 3;
    } else if (ch === 0x3c) {
      TAG.lastIndex = pos;
      const tag = TAG.exec(raw);
      if (tag && HTML_ELEMENTS.has(tag[1]!)) {
        keep(copied, pos);
        out.drop(pos, pos + tag[0].length);
        pos = copied = pos + tag[0].length;
      } else {
        pos += 1;
      }
    } else {
      pos += 1;
    }
  }
  keep(copied, raw.length);
  return out.finish();
}

/** Where the inline code span opened by the backticks at `at` ends (on the same line), or past an unclosed run. */
function afterCodeSpan(raw: string, at: number): number {
  let run = 1;
  while (raw.charCodeAt(at + run) === 0x60) run += 1;
  const nl = raw.indexOf('\n', at);
  const lineEnd = nl === -1 ? raw.length : nl;
  for (let i = at + run; i < lineEnd; i += 1) {
    if (raw.charCodeAt(i) !== 0x60) continue;
    let close = 1;
    while (raw.charCodeAt(i + close) === 0x60) close += 1;
    if (close === run) return i + close;
    i += close - 1;
  }
  return at + run;
}
