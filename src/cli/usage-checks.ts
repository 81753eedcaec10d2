/**
 * Usage checks yargs does not make: a number flag given text ("-k abc" parses to NaN, which would
 * reach the engine as "topK: NaN"), and "did you mean" for a mistyped flag (yargs suggests
 * commands, not options).
 * Used by: main.ts (a global check and the failure handler).
 */

/** The message for the first number flag whose value did not parse, quoting what was typed; undefined when all parsed. */
export function unparsedNumber(args: Record<string, unknown>, argv: readonly string[]): string | undefined {
  // yargs sets a flag under every name (k, top-k, topK): any of them may be what was typed.
  const names = new Set(
    Object.entries(args)
      .filter(([key, value]) => key !== '_' && (Array.isArray(value) ? value : [value]).some((v) => typeof v === 'number' && Number.isNaN(v)))
      .map(([key]) => key),
  );
  if (names.size === 0) return undefined;
  for (let i = 0; i < argv.length; i++) {
    const match = /^--?([^=]+)(?:=(.*))?$/.exec(argv[i]!);
    if (!match || !names.has(match[1]!)) continue;
    const flag = `${match[1]!.length === 1 ? '-' : '--'}${match[1]}`;
    const typed = match[2] ?? argv[i + 1];
    return `${flag} expects a number, got ${typed === undefined ? 'nothing' : JSON.stringify(typed)}.`;
  }
  const [first] = [...names];
  return `${first!.length === 1 ? '-' : '--'}${first} expects a number.`;
}

/** " Did you mean --top-k?" for yargs' "Unknown argument(s): ..." message, or '' when no known flag is close. */
export function flagSuggestion(message: string, known: readonly string[]): string {
  const match = /^Unknown arguments?: (.+)$/.exec(message);
  if (!match) return '';
  const hints: string[] = [];
  // yargs lists a dashed flag twice (beem-size, beemSize): the camelCase copy is dropped.
  for (const unknown of match[1]!.split(', ').filter((u) => !/[A-Z]/.test(u))) {
    const name = unknown.replace(/^-+/, '');
    let best: { flag: string; distance: number } | undefined;
    for (const flag of known) {
      const distance = editDistance(name.toLowerCase(), flag.toLowerCase());
      if (distance <= Math.max(1, Math.floor(flag.length / 3)) && (!best || distance < best.distance)) best = { flag, distance };
    }
    if (best) hints.push(`${best.flag.length === 1 ? '-' : '--'}${best.flag}`);
  }
  return hints.length > 0 ? `. Did you mean ${hints.join(', ')}?` : '';
}

/** Levenshtein distance (insertions, deletions, substitutions). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
