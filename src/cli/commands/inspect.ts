/**
 * `lattice inspect index.db`: what an index holds (statistics, build parameters) and the top
 * levels of its tree; `--node ID` shows one node, its children and its source; `--traces`
 * lists saved searches and `--trace ID` shows one.
 */
import type { Argv } from 'yargs';
import { LatticeError, type TreeNode } from '../../index.js';
import type { CliIO, CommandModule } from '../command.js';
import { fanOutRows, formatInt, keyValues, shorten } from '../output.js';

/** Keywords listed by `inspect --node` (a profile holds up to 1,000). */
const KEYWORDS_SHOWN = 60;

interface InspectArgs {
  index: string;
  node?: number;
  depth: number;
  children: number;
  traces: boolean;
  trace?: number;
  json: boolean;
}

export const inspectCommand: CommandModule<InspectArgs> = {
  command: 'inspect <index>',
  describe: 'Show statistics and the top of the tree, or one node (--node ID)',
  builder: (y: Argv) =>
    y
      .positional('index', { type: 'string', demandOption: true, describe: 'Index file' })
      .option('node', { type: 'number', describe: 'Show this node, its children and its source' })
      .option('depth', { type: 'number', default: 2, describe: 'Tree levels to show' })
      .option('children', { type: 'number', default: 12, describe: 'Children shown per node' })
      .option('traces', { type: 'boolean', default: false, describe: 'List saved search traces' })
      .option('trace', { type: 'number', describe: 'Show one saved trace as JSON' })
      .example('$0 inspect sample.db', 'Statistics and the top two levels')
      .example('$0 inspect sample.db --node 1', 'The root and its children') as unknown as Argv<InspectArgs>,
  handler: async (args: InspectArgs, io: CliIO) => {
    const { openIndex } = await import('../../index.js');
    const index = openIndex(args.index);
    try {
      if (args.trace !== undefined) {
        const trace = index.trace(args.trace);
        if (!trace) throw new LatticeError('CONFIG_INVALID', `No saved trace #${args.trace}.`, { hint: 'List them with `lattice inspect <index> --traces`.' });
        io.stdout(`${JSON.stringify(trace, null, 2)}\n`);
        return 0;
      }
      if (args.traces) {
        const traces = index.traces(50);
        if (args.json) io.stdout(`${JSON.stringify(traces, null, 2)}\n`);
        else if (traces.length === 0) io.stdout('No saved traces (use `lattice query ... --save-trace`).\n');
        else for (const t of traces) io.stdout(`#${t.id}  ${t.createdAt}  ${shorten(t.query, 80)}\n`);
        return 0;
      }
      if (args.node !== undefined) {
        const node = index.node(args.node);
        const children = index.children(node.id);
        const path = index.path(node.id);
        const doc = node.docId ? index.document(node.docId) : undefined;
        if (args.json) {
          io.stdout(`${JSON.stringify({ node, path: path.map(brief), children: children.map(brief), source: doc?.source ?? null }, null, 2)}\n`);
          return 0;
        }
        const lines = [
          `#${node.id}  ${node.kind}  depth ${node.depth}  ${formatInt(node.numDocuments)} document(s)`,
          `title: ${node.title || '(none)'}`,
          `path: ${path.map((p) => `#${p.id}`).join(' › ')}`,
        ];
        if (doc) {
          lines.push(`document: ${doc.id}  source: ${doc.source.path}${doc.source.line ? `:${doc.source.line}` : ''}`);
          if (node.kind === 'chunk') lines.push(`range: chars ${node.charStart}–${node.charEnd} of ${formatInt(doc.text.length)}`);
        }
        if (node.kind === 'cluster') {
          const { summary, keywords } = index.clusterSummary(node.id);
          lines.push('', 'summary:', indent(wrap(shorten(summary, 2000), 96), '  '));
          if (keywords.length > 0) {
            const shown = keywords.slice(0, KEYWORDS_SHOWN).join(', ') + (keywords.length > KEYWORDS_SHOWN ? ', …' : '');
            lines.push('', `keywords (${formatInt(keywords.length)}, most distinctive first):`, indent(wrap(shown, 96), '  '));
          }
        } else {
          lines.push('', 'text:', indent(wrap(shorten(node.text, 2000), 96), '  '));
        }
        if (children.length > 0) {
          lines.push('', `children (${children.length}):`);
          for (const c of children) lines.push(`  #${c.id}  ${c.kind.padEnd(8)} ${String(c.numDocuments).padStart(6)} docs  ${shorten(c.title || c.text, 70)}`);
        }
        io.stdout(`${lines.join('\n')}\n`);
        return 0;
      }

      const stats = index.stats();
      if (args.json) {
        io.stdout(`${JSON.stringify({ stats, tree: outline(index, index.root(), args.depth, args.children) }, null, 2)}\n`);
        return 0;
      }
      const params = stats.buildParams as
        | { strategy: string; branching: number; embedder: { provider: string; modelId: string }; summarizer: { provider: string; modelId: string } }
        | undefined;
      io.stdout(
        `${keyValues([
          ['index', stats.file],
          ['documents', formatInt(stats.documents)],
          ['nodes', `${formatInt(stats.nodes)} (${formatInt(stats.clusters)} clusters, ${formatInt(stats.chunks)} chunks)`],
          ['depth', String(stats.depth)],
          ...fanOutRows(stats.fanOut, stats.chunksPerDocument),
          ...(params
            ? ([
                ['strategy', `${params.strategy}, M = ${params.branching}`],
                ['embedder', `${params.embedder.provider}/${params.embedder.modelId}`],
                ['summarizer', `${params.summarizer.provider}/${params.summarizer.modelId}`],
              ] as [string, string][])
            : []),
          ['cached answers', formatInt(stats.cachedModelAnswers)],
        ])}\n\n`,
      );
      io.stdout(`${renderOutline(index, index.root(), args.depth, args.children)}`);
      return 0;
    } finally {
      index.close();
    }
  },
};

interface TreeView {
  children(id: number): TreeNode[];
}

function brief(n: TreeNode) {
  return { id: n.id, kind: n.kind, title: n.title, documents: n.numDocuments, children: n.numChildren };
}

function outline(index: TreeView, node: TreeNode, depth: number, width: number): unknown {
  return {
    ...brief(node),
    ...(depth > 0 && node.numChildren > 0
      ? { childNodes: index.children(node.id).slice(0, width).map((c) => outline(index, c, depth - 1, width)) }
      : {}),
  };
}

function renderOutline(index: TreeView, root: TreeNode, depth: number, width: number): string {
  const lines: string[] = [];
  const walk = (node: TreeNode, level: number, prefix: string) => {
    const label = shorten(node.title || node.text || '(untitled)', 70);
    lines.push(`${prefix}#${node.id} ${label}  (${formatInt(node.numDocuments)} docs${node.numChildren > 0 ? `, ${node.numChildren} children` : ''})`);
    if (level >= depth) return;
    const kids = index.children(node.id);
    kids.slice(0, width).forEach((c) => walk(c, level + 1, `${prefix}  `));
    if (kids.length > width) lines.push(`${prefix}  … ${kids.length - width} more`);
  };
  walk(root, 0, '');
  return `${lines.join('\n')}\n`;
}

function wrap(text: string, width: number): string {
  const words = text.split(' ');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

function indent(text: string, pad: string): string {
  return text
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}
