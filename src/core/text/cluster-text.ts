/**
 * The text a cluster shows to judges and people: its summary, then its keyword profile
 * ("Keywords: a, b, c."), so a navigator sees the vocabulary of the whole subtree. Judges clip
 * long texts themselves (the LLM judge keeps the first LLM_JUDGE_CANDIDATE_CHARS, 800: the summary
 * and the most distinctive keywords).
 * Invariant: splitClusterText(clusterText(s, k)) gives back s and k.
 * Used by: the store (a cluster node's text) and `lattice inspect` (shows the two apart).
 */

/** Label that introduces the keyword profile in a cluster's text. */
const KEYWORDS_LABEL = 'Keywords:';

/** A cluster's summary followed by its keyword profile. */
export function clusterText(summary: string, keywords: readonly string[]): string {
  if (keywords.length === 0) return summary;
  const list = `${KEYWORDS_LABEL} ${keywords.join(', ')}.`;
  return summary ? `${summary}\n\n${list}` : list;
}

/** Inverse of clusterText: the summary and the keywords of a cluster's text. */
export function splitClusterText(text: string): { summary: string; keywords: string[] } {
  const at = text.startsWith(`${KEYWORDS_LABEL} `) ? 0 : text.lastIndexOf(`\n\n${KEYWORDS_LABEL} `);
  if (at < 0 || !text.endsWith('.')) return { summary: text, keywords: [] };
  const list = text.slice(at === 0 ? KEYWORDS_LABEL.length + 1 : at + KEYWORDS_LABEL.length + 3, -1);
  return { summary: text.slice(0, at), keywords: list.split(', ') };
}
