/**
 * A small OpenAI-compatible endpoint on 127.0.0.1 that answers /v1/chat/completions from a GGUF
 * model in this process, so the `openai` client path (request body, response_format, retries,
 * lenient parsing, repair) meets a real model's output without any outside server.
 * response_format json_schema → a grammar from the request's schema; json_object → any JSON;
 * none → unconstrained. Usage is counted with the model's tokenizer.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LlamaCppChat } from '../../src/core/providers/llama-cpp-chat.js';
import type { StructuredMode } from '../../src/core/providers/structured-output.js';

export interface LlamaEndpoint {
  baseURL: string;
  /** Bodies of the chat requests received, in order. */
  requests: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startLlamaEndpoint(modelPath: string, options: { sequences?: number; contextSize?: number } = {}): Promise<LlamaEndpoint> {
  const chat = new LlamaCppChat({ modelPath, sequences: options.sequences ?? 2, contextSize: options.contextSize ?? 8192 });
  const requests: Record<string, unknown>[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
          res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${req.url}` } }));
          return;
        }
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        requests.push(body);
        const format = body['response_format'] as { type?: string; json_schema?: { name?: string; schema?: Record<string, unknown> } } | undefined;
        const mode: StructuredMode = format?.type === 'json_schema' ? 'json_schema' : format?.type === 'json_object' ? 'json_object' : 'plain';
        try {
          const completion = await chat.complete(
            {
              model: String(body['model']),
              messages: body['messages'] as { role: 'system' | 'user' | 'assistant'; content: string }[],
              mode,
              schemaName: format?.json_schema?.name ?? 'answer',
              schema: format?.json_schema?.schema ?? {},
              temperature: typeof body['temperature'] === 'number' ? body['temperature'] : undefined,
              maxTokens: typeof body['max_tokens'] === 'number' ? body['max_tokens'] : undefined,
            },
            undefined,
          );
          res.writeHead(200, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              id: `chatcmpl-${requests.length}`,
              object: 'chat.completion',
              created: Math.floor(Date.now() / 1000),
              model: body['model'],
              choices: [{ index: 0, message: { role: 'assistant', content: completion.content }, finish_reason: completion.finishReason ?? 'stop' }],
              usage: {
                prompt_tokens: completion.usage.inputTokens,
                completion_tokens: completion.usage.outputTokens,
                total_tokens: completion.usage.inputTokens + completion.usage.outputTokens,
              },
            }),
          );
        } catch (error) {
          res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: error instanceof Error ? error.message : String(error) } }));
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await chat.close();
    },
  };
}
