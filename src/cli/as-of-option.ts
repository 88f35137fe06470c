import { Option } from 'commander';

/** A date flag shared by every command: compute as if that day were today. */
export const asOfOption = (): Option =>
  new Option('--as-of <YYYY-MM-DD>', 'compute as if this day were today (end of day, connection time zone)');
