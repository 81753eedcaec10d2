/**
 * One declaration per model answer: the JSON Schema sent to the server and the lenient reading
 * the validator starts from are both derived from the same field list, so the two cannot drift.
 * Why not a schema library: validators here must salvage the usable part of a rejected answer
 * (the judge keeps the ids it could read) and accept numeric strings from weaker models; what is
 * shared with the schema is the field list, its types and the descriptions the model reads.
 * Invariant: `answerJsonSchema` is strict-mode friendly (every property required, no extras) and
 * lists properties in declaration order (the order quoted to plain-prompt models).
 * Used by: llm-judge.ts and llm-summarizer.ts, through ModelClient.chatJson.
 */

/** A scalar member of an answer; `integer` and `number` also accept numeric strings when read. */
export interface ScalarField {
  readonly type: 'string' | 'integer' | 'number';
  readonly description: string;
}

/** A list of records, each with the given scalar members. */
export interface ListField {
  readonly type: 'array';
  readonly items: Readonly<Record<string, ScalarField>>;
}

export type AnswerFields = Readonly<Record<string, ScalarField | ListField>>;

/** The value a scalar field reads as: a string, or a number for `integer` and `number`. */
export type ScalarValue<F extends ScalarField> = F['type'] extends 'string' ? string : number;

/** A record read leniently: each member its typed value, or undefined when missing or of the wrong type. */
export type ReadRecord<F extends Readonly<Record<string, ScalarField>>> = { [K in keyof F]: ScalarValue<F[K]> | undefined };

/** A named answer shape: the name goes to `response_format.json_schema.name`. */
export interface AnswerSchema<F extends AnswerFields> {
  readonly name: string;
  readonly fields: F;
  /** The JSON Schema derived from `fields`. */
  readonly jsonSchema: Record<string, unknown>;
  /** How the expected shape is quoted in validation errors, e.g. `{"scores": [...]}`. */
  readonly shape: string;
}

/** Declares an answer shape and derives its JSON Schema. */
export function answerSchema<F extends AnswerFields>(name: string, fields: F): AnswerSchema<F> {
  return { name, fields, jsonSchema: objectSchema(fields), shape: shapeOf(fields) };
}

function objectSchema(fields: Readonly<Record<string, ScalarField | ListField>>): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(fields)) {
    properties[key] = field.type === 'array' ? { type: 'array', items: objectSchema(field.items) } : { type: field.type, description: field.description };
  }
  return { type: 'object', properties, required: Object.keys(fields), additionalProperties: false };
}

function shapeOf(fields: AnswerFields): string {
  return `{${Object.entries(fields)
    .map(([key, field]) => `"${key}": ${field.type === 'array' ? '[...]' : '...'}`)
    .join(', ')}}`;
}

/** Reads one scalar leniently: integers from integral numbers or strings, numbers from finite numbers or numeric strings. */
export function readScalar<F extends ScalarField>(field: F, value: unknown): ScalarValue<F> | undefined {
  if (field.type === 'string') return (typeof value === 'string' ? value : undefined) as ScalarValue<F> | undefined;
  if (field.type === 'integer') return asInteger(value) as ScalarValue<F> | undefined;
  return asNumber(value) as ScalarValue<F> | undefined;
}

/** Reads every member of `fields` from `value` (any non-object reads as all-undefined). */
export function readRecord<F extends Readonly<Record<string, ScalarField>>>(fields: F, value: unknown): ReadRecord<F> {
  const source = value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(fields)) out[key] = readScalar(field, source[key]);
  return out as ReadRecord<F>;
}

function asInteger(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number(value);
  return undefined;
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}
