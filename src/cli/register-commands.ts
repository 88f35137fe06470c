import type { Command } from 'commander';
import type { CliContext } from './cli-context.js';
import { registerConnections } from './connections-command.js';
import { registerMigrate } from './migrate-command.js';

/** Every command group, one file each. */
export function registerCommands(program: Command, ctx: CliContext): void {
  registerMigrate(program, ctx);
  registerConnections(program, ctx);
}
