/**
 * Finds ATX markdown headings (`#` to `######` at a line start) outside fenced code blocks.
 * Why shared: a folder document's title is its first heading, and the chunker's strongest
 * split points are headings; both must agree on what a heading is.
 * Invariant: offsets are UTF-16 indices of the line start, ascending. Setext headings
 * (underlined with === or ---) are not recognised. Used by load-folder.ts and ../chunk.ts.
 */

export interface MarkdownHeading {
  /** Offset of the heading line's first character. */
  start: number;
  /** 1 to 6. */
  level: number;
  /** Heading text without the `#` markers and closing `#`s. */
  text: string;
}

const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*\r?$/;
/** A fenced code block's opening or closing line (``` or ~~~, at most 3 spaces in). */
export const MARKDOWN_FENCE = /^ {0,3}(`{3,}|~{3,})/;

/** Headings of `text` in order; `# in code` inside ``` or ~~~ fences is skipped. */
export function markdownHeadings(text: string): MarkdownHeading[] {
  const out: MarkdownHeading[] = [];
  let fence: string | undefined;
  let start = 0;
  while (start <= text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl;
    const line = text.slice(start, end);
    const fenceMatch = MARKDOWN_FENCE.exec(line);
    if (fence !== undefined) {
      if (fenceMatch?.[1] !== undefined && fenceMatch[1][0] === fence[0] && fenceMatch[1].length >= fence.length) {
        fence = undefined;
      }
    } else if (fenceMatch?.[1] !== undefined) {
      fence = fenceMatch[1];
    } else if (line.length > 0 && line.length < 4096 && line.trimStart().startsWith('#')) {
      const match = HEADING.exec(line);
      if (match?.[1] !== undefined) out.push({ start, level: match[1].length, text: (match[2] ?? '').trim() });
    }
    if (nl === -1) break;
    start = nl + 1;
  }
  return out;
}
