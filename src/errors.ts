/**
 * One class of user-facing error (DESIGN.md "Errors"): a one-line message plus a hint.
 * The CLI prints `error: <message>` and the hint, and exits non-zero; library callers can
 * catch the subclasses to tell bad input from a failed episode.
 */
export class UmweltError extends Error {
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = new.target.name;
    this.hint = hint;
  }
}

/** Bad user input: unknown names, malformed numbers, unreadable files. */
export class InputError extends UmweltError {}

/** An action of the wrong length or containing NaN/Inf. */
export class ActionError extends UmweltError {}

/** MuJoCo rejected a model (XML parse/compile errors, missing files). */
export class ModelLoadError extends UmweltError {}

/** The simulation became unstable (MuJoCo warnings: bad qacc, auto-reset, …). */
export class SimInstabilityError extends UmweltError {}

/** Lists valid options in a hint, e.g. for unknown world names. */
export function oneOf(what: string, got: string, valid: readonly string[]): InputError {
  return new InputError(`unknown ${what} '${got}'`, `valid ${what}s: ${valid.join(', ')}`);
}
