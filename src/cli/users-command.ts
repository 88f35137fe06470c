import type { Command } from 'commander';
import { cliActor } from '../people/actor.js';
import { createPerson, listPeople, type Person, removePerson, rotateToken } from '../people/people.js';
import type { CliContext } from './cli-context.js';
import { usageError } from './cli-error.js';
import { listFormat, printCsv, printJson, printLine, printTable } from './cli-io.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function parseDays(value: string): number {
  if (!/^\d+$/.test(value.trim()))
    throw usageError(`--expires-days expects a whole number of days such as 90; got "${value}".`);
  return Number(value);
}

/** The document of a person: who and what they may do, never the token or its hash. */
const personDocument = (p: Person) => ({
  email: p.email,
  role: p.role,
  teams: [...p.teams],
  tokenExpiresAt: p.tokenExpiresAt.toISOString(),
  createdAt: p.createdAt.toISOString(),
});

const day = (d: Date) => d.toISOString().slice(0, 10);

export function registerUsers(program: Command, ctx: CliContext): void {
  const users = program.command('users').description('people who use the API: roles and personal tokens');

  users
    .command('add')
    .description('add a person; prints their token once (only its hash is kept)')
    .requiredOption('--email <email>', 'their email: links them to the CRM owners with it')
    .requiredOption('--role <role>', 'admin, ops, manager or rep')
    .option('--team <team>', 'a team the manager manages (repeatable)', collect, [] as string[])
    .option('--expires-days <n>', 'days until the token expires (default 90)', parseDays)
    .option('--json', 'print one JSON document')
    .action(
      async (o: { email: string; role: string; team: string[]; expiresDays?: number; json?: boolean }) => {
        const { db } = await ctx.ready();
        const { person, token } = await createPerson(
          db,
          {
            email: o.email,
            role: o.role as Person['role'],
            teams: o.team,
            ...(o.expiresDays === undefined ? {} : { expiresDays: o.expiresDays }),
          },
          { actor: cliActor(), now: new Date() },
        );
        if (o.json) return printJson(ctx.io, { ...personDocument(person), token });
        printLine(ctx.io, `Added ${person.email} (${person.role}); their token, shown only now:`);
        printLine(ctx.io, token);
        printLine(
          ctx.io,
          `It expires on ${day(person.tokenExpiresAt)}; \`salesops users rotate ${person.email}\` gives a new one.`,
        );
      },
    );

  users
    .command('list')
    .description('list people and their roles (never their tokens)')
    .option('--json', 'print one JSON document')
    .option('--csv', 'print CSV')
    .action(async (o: { json?: boolean; csv?: boolean }) => {
      const format = listFormat(o);
      const { db } = await ctx.ready();
      const people = (await listPeople(db)).map(personDocument);
      if (format === 'json') return printJson(ctx.io, people);
      if (format === 'csv')
        return printCsv(
          ctx.io,
          people.map((p) => ({ ...p, teams: p.teams.join(';') })),
        );
      if (people.length === 0)
        return printLine(ctx.io, 'No people yet: add one with `salesops users add --email E --role admin`.');
      printTable(
        ctx.io,
        ['email', 'role', 'teams', 'token expires', 'added'],
        people.map((p) => [
          p.email,
          p.role,
          p.teams.join(', '),
          p.tokenExpiresAt.slice(0, 10),
          p.createdAt.slice(0, 10),
        ]),
      );
    });

  users
    .command('rotate')
    .description('give a person a new token (the old one stops working at once)')
    .argument('<email>', 'their email')
    .option('--expires-days <n>', 'days until the new token expires (default 90)', parseDays)
    .option('--json', 'print one JSON document')
    .action(async (email: string, o: { expiresDays?: number; json?: boolean }) => {
      const { db } = await ctx.ready();
      const { person, token } = await rotateToken(db, email, {
        actor: cliActor(),
        now: new Date(),
        ...(o.expiresDays === undefined ? {} : { expiresDays: o.expiresDays }),
      });
      if (o.json) return printJson(ctx.io, { ...personDocument(person), token });
      printLine(ctx.io, `New token for ${person.email}, shown only now (the old one no longer works):`);
      printLine(ctx.io, token);
      printLine(ctx.io, `It expires on ${day(person.tokenExpiresAt)}.`);
    });

  users
    .command('remove')
    .description('remove a person; their token stops working at once')
    .argument('<email>', 'their email')
    .option('--json', 'print one JSON document')
    .action(async (email: string, o: { json?: boolean }) => {
      const { db } = await ctx.ready();
      const person = await removePerson(db, email, { actor: cliActor(), now: new Date() });
      if (o.json) return printJson(ctx.io, { email: person.email, removed: true });
      printLine(ctx.io, `Removed ${person.email}; their token no longer works.`);
    });
}
