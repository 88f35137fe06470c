import { DomainError } from '../domain-error.js';

/**
 * A file an import cannot read at all: missing, not CSV, or a header without the columns the
 * import needs. Bad rows are not errors: they come back as problems, so the whole file can be
 * judged at once (DESIGN §7). The message is the one sentence a person should read; each surface
 * maps the class once (the CLI: that sentence, exit 1).
 */
export class ImportFileError extends DomainError {
  override readonly name = 'ImportFileError';
}
