/**
 * A GGUF chat model in the process (node-llama-cpp), as a ChatBackend of ModelClient.
 * Why these choices: one context with one sequence per concurrency slot, so the slates of one
 * search iteration (or the clusters of one build level) are decoded in the same batches; every
 * call starts from a fresh chat history built from its own messages (the sequence's cached tokens
 * are reused only where they match, an optimisation that cannot leak one answer into the next);
 * structured output is a grammar from the answer's JSON Schema (llama.createGrammarForJsonSchema),
 * which bounds shape but not numbers, so validators still range-check. Tokens are counted with
 * the model's own tokenizer, over the prompt as the chat template renders it.
 * Threads: llama.cpp's workers spin at every barrier, so on a shared machine one busy core stalls
 * each step; half the cores (at least one) measured 47 tokens/s against 1.2 with two threads on a
 * loaded 2-core machine.
 * Used by: create-providers.ts (provider 'llama-cpp'), through ModelClient.
 */
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { LatticeError } from '../errors.js';
import type { ChatBackend, ChatBackendRequest } from './chat-backend.js';
import { checkGgufFile, importNodeLlamaCpp, type NodeLlamaCpp } from './llama-cpp-loader.js';
import type { ChatMessage, Completion } from './structured-output.js';

type Llama = Awaited<ReturnType<NodeLlamaCpp['getLlama']>>;
type LlamaModel = Awaited<ReturnType<Llama['loadModel']>>;
type LlamaContext = Awaited<ReturnType<LlamaModel['createContext']>>;
type LlamaContextSequence = ReturnType<LlamaContext['getSequence']>;
type LlamaGrammar = Awaited<ReturnType<Llama['getGrammarFor']>>;
type ChatHistoryItem = Parameters<InstanceType<NodeLlamaCpp['LlamaChat']>['generateResponse']>[0][number];

export interface LlamaCppChatOptions {
  /** Path of the .gguf file. */
  modelPath: string;
  /** Sequences of the one context: calls decoded together. Default 4 (the client's concurrency). */
  sequences?: number | undefined;
  /** Tokens per sequence (prompt and answer). Default 4096, at most the model's training context. */
  contextSize?: number | undefined;
  /** CPU threads. Default half the cores, at least 1 (see the module comment). */
  threads?: number | undefined;
  /** Offload to a GPU when a prebuilt GPU binary works. Default false (CPU, predictable). */
  gpu?: boolean | undefined;
  /** Per-call limit in ms, prompt and answer together; then MODEL_TIMEOUT. Default 120,000. */
  timeoutMs?: number | undefined;
}

interface Loaded {
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  module: NodeLlamaCpp;
}

/** The id recorded in cache keys and build parameters: the file name, so moving the file keeps the cache warm. */
export function ggufModelId(modelPath: string): string {
  return basename(modelPath);
}

export class LlamaCppChat implements ChatBackend {
  readonly provider = 'llama-cpp';
  readonly location: string;
  readonly sequences: number;
  readonly threads: number;

  private readonly options: LlamaCppChatOptions;
  private loading: Promise<Loaded> | undefined;
  private readonly free: LlamaContextSequence[] = [];
  private readonly waiting: ((sequence: LlamaContextSequence) => void)[] = [];
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();

  constructor(options: LlamaCppChatOptions) {
    this.options = options;
    this.location = options.modelPath;
    this.sequences = options.sequences ?? 4;
    this.threads = options.threads ?? Math.max(1, Math.floor(availableParallelism() / 2));
    if (!Number.isInteger(this.sequences) || this.sequences < 1) {
      throw new LatticeError('CONFIG_INVALID', `llama-cpp sequences must be a whole number ≥ 1, got ${String(this.sequences)}.`, { hint: 'Pass --concurrency 1 or more.' });
    }
  }

  /** Loads the runtime, the model and its context (once; concurrent callers share the load). */
  async load(): Promise<void> {
    await this.loaded();
  }

  // Private so that the public declarations name no node-llama-cpp type (an optional peer a consumer may not have).
  private loaded(): Promise<Loaded> {
    this.loading ??= this.loadOnce().catch((error: unknown) => {
      this.loading = undefined;
      throw error;
    });
    return this.loading;
  }

  async complete(request: ChatBackendRequest, signal: AbortSignal | undefined): Promise<Completion> {
    const loaded = await this.loaded();
    const sequence = await this.acquire();
    const timeoutMs = this.options.timeoutMs ?? 120_000;
    const own = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      own.abort(new Error('timeout'));
    }, timeoutMs);
    const forward = (): void => own.abort(signal?.reason);
    signal?.addEventListener('abort', forward, { once: true });
    const chat = new loaded.module.LlamaChat({ contextSequence: sequence, autoDisposeSequence: false });
    try {
      const history = toHistory(request.messages);
      const inputTokens = chat.chatWrapper.generateContextState({ chatHistory: history }).contextText.tokenize(loaded.model.tokenizer).length;
      const maxTokens = request.maxTokens ?? 512;
      if (inputTokens + maxTokens > sequence.contextSize) {
        throw new LatticeError('MODEL_BAD_REQUEST', `The prompt (${inputTokens} tokens) and answer (up to ${maxTokens}) do not fit the ${sequence.contextSize}-token context of ${basename(this.location)}.`, {
          hint: 'Shorten the candidate texts (the judge\'s maxCandidateChars), or use a model with a longer context.',
          details: { model: request.model, inputTokens, maxTokens, contextSize: sequence.contextSize },
        });
      }
      const grammar = await this.grammarFor(loaded, request);
      let outputTokens = 0;
      const response = await chat.generateResponse(history, {
        ...(grammar ? { grammar } : {}),
        maxTokens,
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        signal: own.signal,
        onToken: (tokens) => {
          outputTokens += tokens.length;
        },
      });
      return {
        content: response.response,
        finishReason: response.metadata.stopReason === 'maxTokens' ? 'length' : 'stop',
        refusal: undefined,
        usage: { calls: 1, inputTokens, outputTokens, cachedCalls: 0 },
      };
    } catch (error) {
      if (signal?.aborted) throw signal.reason ?? error;
      if (timedOut) {
        throw new LatticeError('MODEL_TIMEOUT', `${basename(this.location)} did not answer within ${timeoutMs} ms.`, {
          hint: 'Raise --timeout, lower --concurrency, or shorten the prompts.',
          details: { model: request.model, timeoutMs },
          retryable: false,
        });
      }
      if (error instanceof LatticeError) throw error;
      throw new LatticeError('MODEL_SERVER_ERROR', `llama.cpp failed on ${basename(this.location)}: ${error instanceof Error ? error.message : String(error)}.`, {
        hint: 'Check that the file is a chat model in GGUF format that this llama.cpp build supports.',
        details: { model: request.model },
        cause: error,
      });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', forward);
      chat.dispose({ disposeSequence: false });
      this.release(sequence);
    }
  }

  async close(): Promise<void> {
    const loading = this.loading;
    this.loading = undefined;
    this.grammars.clear();
    this.free.length = 0;
    if (!loading) return;
    const loaded = await loading.catch(() => undefined);
    if (!loaded) return;
    await loaded.context.dispose();
    await loaded.model.dispose();
    await loaded.llama.dispose();
  }

  private async loadOnce(): Promise<Loaded> {
    checkGgufFile(this.options.modelPath);
    const module = await importNodeLlamaCpp();
    let llama: Llama;
    try {
      llama = await module.getLlama({ build: 'never', gpu: this.options.gpu ? 'auto' : false, logLevel: module.LlamaLogLevel.error });
    } catch (error) {
      throw new LatticeError('CONFIG_MISSING', `node-llama-cpp has no prebuilt binary that runs here (${process.platform}-${process.arch}): ${error instanceof Error ? error.message : String(error)}.`, {
        hint: 'Reinstall node-llama-cpp@3.21.1 so npm fetches the @node-llama-cpp/<platform> package, or serve the model over HTTP and pass --base-url.',
        cause: error,
      });
    }
    let model: LlamaModel;
    try {
      model = await llama.loadModel({ modelPath: this.options.modelPath });
    } catch (error) {
      throw new LatticeError('MODEL_NOT_FOUND', `llama.cpp could not load ${this.options.modelPath}: ${error instanceof Error ? error.message : String(error)}.`, {
        hint: 'Pass a GGUF chat model (npm run models -- --with-llm fetches one).',
        details: { model: this.options.modelPath },
        cause: error,
      });
    }
    const contextSize = Math.min(this.options.contextSize ?? 4096, model.trainContextSize);
    const context = await model.createContext({ sequences: this.sequences, contextSize, threads: this.threads });
    for (let i = 0; i < this.sequences; i++) this.free.push(context.getSequence());
    return { llama, model, context, module };
  }

  private acquire(): Promise<LlamaContextSequence> {
    const sequence = this.free.pop();
    if (sequence) return Promise.resolve(sequence);
    // More callers than sequences (a client with a higher concurrency): wait for one to come back.
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(sequence: LlamaContextSequence): void {
    const next = this.waiting.shift();
    if (next) next(sequence);
    else this.free.push(sequence);
  }

  private grammarFor(loaded: Loaded, request: ChatBackendRequest): Promise<LlamaGrammar> | undefined {
    if (request.mode === 'plain') return undefined;
    const key = request.mode === 'json_object' ? 'json' : JSON.stringify(request.schema);
    const known = this.grammars.get(key);
    if (known) return known;
    const grammar: Promise<LlamaGrammar> =
      request.mode === 'json_object'
        ? loaded.llama.getGrammarFor('json')
        : loaded.llama.createGrammarForJsonSchema(request.schema as Parameters<Llama['createGrammarForJsonSchema']>[0]);
    this.grammars.set(key, grammar);
    return grammar;
  }
}

/** The client's messages as a node-llama-cpp chat history, ending with the model's turn to answer. */
function toHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((m) =>
    m.role === 'system' ? { type: 'system', text: m.content } : m.role === 'user' ? { type: 'user', text: m.content } : { type: 'model', response: [m.content] },
  );
  history.push({ type: 'model', response: [] });
  return history;
}
