import { InvalidInputError } from '../domain-error.js';

/**
 * A period or a date given by a person that the calendar cannot read. The calendar does not
 * know where the text came from; each surface names its own input (the CLI: `--period`,
 * `--as-of`) when it maps this error.
 */
export class CalendarInputError extends InvalidInputError {
  override readonly name = 'CalendarInputError';
  constructor(
    readonly input: 'period' | 'as-of',
    readonly value: string,
    readonly expected: string,
  ) {
    super(`A ${input === 'period' ? 'period' : 'date'} must be ${expected}, not "${value}".`);
  }
}
