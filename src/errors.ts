/**
 * The one error type of the API and the one place the failure envelope is built.
 *
 * Every failure a client can see is an ApiError: its status becomes both the HTTP status and the
 * envelope's `code`. Anything else that escapes a handler is our own fault and becomes a 500 whose
 * message says nothing about internals.
 */

export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 413 | 415 | 422 | 429 | 500 | 502 | 503 | 504;

export interface Envelope {
  success: false;
  code: ErrorStatus;
  id: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: ErrorStatus;
  /** Extra response headers this failure needs (Retry-After, Allow, ...). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: ErrorStatus, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.headers = headers;
  }
}

const INTERNAL_MESSAGE = "Internal error. Quote the request id when reporting it.";

/** Turns anything thrown into the ApiError the client will see. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return new ApiError(500, INTERNAL_MESSAGE);
}

export function envelope(err: ApiError, id: string): Envelope {
  return { success: false, code: err.status, id, message: err.message };
}

// Shorthands for the failures every part of the API raises, so messages stay consistent.
export const badRequest = (message: string): ApiError => new ApiError(400, message);
export const unprocessable = (message: string): ApiError => new ApiError(422, message);
