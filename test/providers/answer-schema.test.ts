import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { answerSchema, readRecord } from '../../src/core/providers/answer-schema.js';
import { JUDGE_ANSWER } from '../../src/core/providers/llm-judge.js';
import { SUMMARY_ANSWER } from '../../src/core/providers/llm-summarizer.js';

const sha256 = (value: unknown): string => createHash('sha256').update(JSON.stringify(value)).digest('hex');

describe('answer schemas', () => {
  it('derive a strict JSON Schema: every property required, no extras, declaration order kept', () => {
    const shape = answerSchema('t', { a: { type: 'string', description: 'A.' }, b: { type: 'array', items: { c: { type: 'integer', description: 'C.' } } } });
    expect(shape.jsonSchema).toEqual({
      type: 'object',
      properties: {
        a: { type: 'string', description: 'A.' },
        b: { type: 'array', items: { type: 'object', properties: { c: { type: 'integer', description: 'C.' } }, required: ['c'], additionalProperties: false } },
      },
      required: ['a', 'b'],
      additionalProperties: false,
    });
    expect(Object.keys(shape.jsonSchema['properties'] as object)).toEqual(['a', 'b']);
    expect(shape.shape).toBe('{"a": ..., "b": [...]}');
  });

  it('send the judge and the summariser the very schemas earlier builds cached answers under', () => {
    // The schema is part of every chat cache key and is quoted to plain-prompt models.
    expect(sha256(JUDGE_ANSWER.jsonSchema)).toBe('5eb68996719d65ec1b9503583a539baf159560c49d1e0534f1914ddc76610a86');
    expect(sha256(SUMMARY_ANSWER.jsonSchema)).toBe('566ed4e4c5f67b1f4a1ccd276e37b31e67e4c7c9ee597663527e902c59508e3a');
    expect([JUDGE_ANSWER.name, SUMMARY_ANSWER.name]).toEqual(['lattice_judge', 'lattice_summary']);
  });

  it('read records leniently: numeric strings for numbers, wrong types as undefined', () => {
    const fields = { id: { type: 'integer', description: '' }, score: { type: 'number', description: '' }, reason: { type: 'string', description: '' } } as const;
    expect(readRecord(fields, { id: ' 3 ', score: '12.5', reason: 'ok' })).toEqual({ id: 3, score: 12.5, reason: 'ok' });
    expect(readRecord(fields, { id: 1.5, score: 'high', reason: 7 })).toEqual({ id: undefined, score: undefined, reason: undefined });
    expect(readRecord(fields, { id: 2, score: Number.NaN })).toEqual({ id: 2, score: undefined, reason: undefined });
    expect(readRecord(fields, null)).toEqual({ id: undefined, score: undefined, reason: undefined });
  });
});
