/**
 * Errors that reach the user. Every error carries a stable `code` (for tests and for the worker
 * protocol, where class identity is lost) and a message written for a person: what went wrong,
 * with which file, and what to do about it.
 */
export type ErrorCode =
  | 'not-onnx'
  | 'truncated'
  | 'not-vit'
  | 'missing-external-data'
  | 'unsupported-model'
  | 'bad-image'
  | 'image-too-large'
  | 'download-failed'
  | 'download-cancelled'
  | 'network-offline'
  | 'backend-unavailable'
  | 'backend-mismatch'
  | 'inference-failed'
  | 'no-model'
  | 'cancelled'
  | 'storage'
  | 'bad-index'
  /** Another model (or block) was loaded while a request about the previous one was on its way. */
  | 'model-changed'
  | 'internal';

export class ExplorerError extends Error {
  readonly code: ErrorCode;
  /** The file (or URL) the error is about, when there is one. */
  readonly subject?: string;

  constructor(code: ErrorCode, message: string, subject?: string) {
    super(message);
    this.name = 'ExplorerError';
    this.code = code;
    this.subject = subject;
  }
}

/** A plain, structured-clone-safe copy of an error, for crossing the worker boundary. */
export interface SerializedError {
  code: ErrorCode;
  message: string;
  subject?: string;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof ExplorerError) {
    return { code: err.code, message: err.message, subject: err.subject };
  }
  if (err instanceof DOMException && err.name === 'AbortError') {
    return { code: 'cancelled', message: 'Cancelled.' };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'internal', message: `Unexpected error: ${message}` };
}

export function deserializeError(e: SerializedError): ExplorerError {
  return new ExplorerError(e.code, e.message, e.subject);
}
