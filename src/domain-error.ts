/**
 * The one shape of an error below the surfaces: its message is already the sentence a person
 * should read, and it says whether the person asked wrongly (`invalidInput`) or the world failed.
 * Each surface maps it once (the CLI: `error: <message>` and exit 2 or 1; the API: a 4xx or 5xx
 * problem document), so no domain module knows about flags, exit codes or HTTP statuses.
 */
export class DomainError extends Error {
  /** The input (an argument, a file, the environment) was wrong, not the services behind it. */
  readonly invalidInput: boolean = false;
}

/** A DomainError the person fixes by asking differently. */
export class InvalidInputError extends DomainError {
  override readonly invalidInput: boolean = true;
}
