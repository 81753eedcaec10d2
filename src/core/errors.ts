/**
 * One error class, many codes. Every failure a user can fix is a LatticeError whose
 * message quotes the offending value and whose hint names the flag, variable or
 * command that fixes it. Anything else reaching the CLI is a bug.
 * Membership is tested through a Symbol.for marker so it survives two copies of the package.
 */

const MARKER = Symbol.for('lattice.error');

/** Error codes, grouped by prefix. Tests assert codes, not wording. */
export const ERROR_CODES = {
  // Input (corpus) problems.
  INPUT_NOT_FOUND: 'input not found',
  INPUT_UNSUPPORTED: 'input format not recognised',
  INPUT_MALFORMED: 'malformed input',
  INPUT_BAD_DOCUMENTS: 'the corpus has bad documents',
  INPUT_EMPTY: 'the corpus has no documents',
  INPUT_UNREADABLE: 'input cannot be read',
  // Index file problems.
  INDEX_NOT_FOUND: 'index not found',
  INDEX_NOT_LATTICE: 'not a lattice index',
  INDEX_CORRUPT: 'index is damaged',
  INDEX_TOO_NEW: 'index written by a newer lattice',
  INDEX_TOO_OLD: 'index written by an older lattice',
  INDEX_INCOMPLETE: 'index build has not finished',
  INDEX_EXISTS: 'index already exists',
  INDEX_PARAMS_MISMATCH: 'build parameters differ from the index',
  INDEX_NODE_NOT_FOUND: 'node not found',
  // Model and provider problems.
  MODEL_UNREACHABLE: 'model server unreachable',
  MODEL_AUTH_FAILED: 'model server rejected the credentials',
  MODEL_RATE_LIMITED: 'model server rate limit',
  MODEL_SERVER_ERROR: 'model server error',
  MODEL_TIMEOUT: 'model call timed out',
  MODEL_BAD_REQUEST: 'model server rejected the request',
  MODEL_BAD_OUTPUT: 'model output could not be used',
  MODEL_NOT_FOUND: 'model not found',
  // Configuration problems.
  CONFIG_INVALID: 'invalid option',
  CONFIG_MISSING: 'missing setting',
  // Search.
  SEARCH_ABORTED: 'search aborted',
  // Evaluation.
  EVAL_DATASET: 'evaluation dataset problem',
} as const;

export type LatticeErrorCode = keyof typeof ERROR_CODES;

export interface LatticeErrorOptions {
  /** One sentence naming the flag, variable or command that fixes it. */
  hint?: string;
  /** Structured context, shown with --json and recorded in traces. Never holds secrets. */
  details?: Record<string, unknown>;
  cause?: unknown;
  /** For model errors: whether a retry may succeed. */
  retryable?: boolean;
}

export class LatticeError extends Error {
  readonly [MARKER] = true;
  readonly code: LatticeErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly retryable: boolean;

  constructor(code: LatticeErrorCode, message: string, options: LatticeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LatticeError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
    this.retryable = options.retryable ?? false;
  }

  /** Plain object for --json output and traces. */
  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/** True when `error` is a LatticeError (optionally with the given code), even across package copies. */
export function isLatticeError(error: unknown, code?: LatticeErrorCode): error is LatticeError {
  if (typeof error !== 'object' || error === null) return false;
  if ((error as Record<symbol, unknown>)[MARKER] !== true) return false;
  return code === undefined || (error as LatticeError).code === code;
}
