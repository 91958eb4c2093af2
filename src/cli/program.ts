/**
 * Every CLI command, listed in one place. Each action loads its implementation on demand, so
 * `freewire --help` and the small commands do not load the web server.
 */
import { Command, Option } from 'commander';
import { action, examples } from './commands.js';
import { tipsCommand } from './tips-commands.js';

const ROLES = ['admin', 'editor', 'reporter'];

export function buildProgram(): Command {
  const program = new Command('freewire')
    .description('Freewire: a self-hosted wire service and publishing platform for nonprofit newsrooms.\nConfiguration comes from the environment; see .env.example.')
    .showSuggestionAfterError()
    .showHelpAfterError('(run freewire --help for usage)')
    .configureOutput({
      // Commander's own errors (unknown command, bad option) look like ours.
      outputError: (str, write) => write(`freewire: ${str.replace(/^error: /, '')}`),
    });

  program
    .command('start')
    .description('migrate, seed demo content on an empty site, create the first admin, then serve the site and run the background work (scheduled publishing, webhooks, WebSub, notices, attribution checks)')
    .addHelpText('after', examples([['PORT=8080 freewire start', 'serve on port 8080 with the SQLite database in ./data']]))
    .action(action(async () => (await import('./start.js')).start()));

  program
    .command('worker')
    .description('run the background work without serving HTTP: scheduled publishing, webhook and WebSub delivery, notice emails, attribution checks (for an extra node)')
    .addHelpText('after', examples([['DATABASE_URL=postgres://db/freewire freewire worker', 'run the background work against a shared database']]))
    .action(action(async () => (await import('./start.js')).worker()));

  program
    .command('migrate')
    .description('apply pending database migrations')
    .addHelpText('after', examples([['freewire migrate', 'bring the database up to this release']]))
    .action(action(async () => (await import('./migrate.js')).migrateCommand()));

  const user = program.command('user').description('manage staff accounts');
  user
    .command('create')
    .description('create a staff account (prints a generated password unless --password-stdin)')
    .requiredOption('--email <email>', 'login email')
    .addOption(new Option('--role <role>', 'what they may do').choices(ROLES).makeOptionMandatory())
    .option('--name <name>', 'display name (default: the part of the email before @)')
    .option('--password-stdin', 'read the password from stdin')
    .addHelpText(
      'after',
      examples([
        ['freewire user create --email ed@example.org --role editor', 'prints a generated password'],
        ["printf '%s\\n' \"$PW\" | freewire user create --email ed@example.org --role editor --password-stdin", 'with your own password'],
      ]),
    )
    .action(action(async (opts: { email: string; role: 'admin' | 'editor' | 'reporter'; name?: string; passwordStdin?: boolean }) => (await import('./users.js')).createUser(opts)));
  user
    .command('list')
    .description('list staff accounts')
    .addHelpText('after', examples([['freewire user list', 'email, name, role and status of everyone']]))
    .action(action(async () => (await import('./users.js')).listUsers()));
  user
    .command('set-password')
    .description("set a user's password and log out their sessions (prints a generated one unless --password-stdin)")
    .requiredOption('--email <email>', 'whose password')
    .option('--password-stdin', 'read the new password from stdin')
    .addHelpText('after', examples([["printf '%s\\n' \"$PW\" | freewire user set-password --email ed@example.org --password-stdin", 'reset a forgotten password']]))
    .action(action(async (opts: { email: string; passwordStdin?: boolean }) => (await import('./users.js')).setPassword(opts)));
  user
    .command('disable')
    .description('disable an account: ends its sessions and revokes its API tokens')
    .requiredOption('--email <email>', 'whose account')
    .addHelpText('after', examples([['freewire user disable --email ed@example.org', 'someone left the newsroom']]))
    .action(action(async (opts: { email: string }) => (await import('./users.js')).setStatus(opts, 'disabled')));
  user
    .command('enable')
    .description('enable a disabled account again')
    .requiredOption('--email <email>', 'whose account')
    .addHelpText('after', examples([['freewire user enable --email ed@example.org', 'undo a disable']]))
    .action(action(async (opts: { email: string }) => (await import('./users.js')).setStatus(opts, 'active')));

  const token = program.command('token').description('manage Admin API tokens');
  token
    .command('create')
    .description('create an API token for a user; prints only the token')
    .requiredOption('--user <email>', 'the user the token acts as')
    .option('--name <name>', 'what the token is for')
    .addHelpText('after', examples([['TOKEN=$(freewire token create --user ed@example.org --name importer)', 'capture a token in a script']]))
    .action(action(async (opts: { user: string; name?: string }) => (await import('./tokens.js')).createToken(opts)));
  token
    .command('list')
    .description('list API tokens (never the tokens themselves)')
    .option('--user <email>', 'only this user’s tokens')
    .addHelpText('after', examples([['freewire token list --user ed@example.org', 'see which tokens exist and when they were used']]))
    .action(action(async (opts: { user?: string }) => (await import('./tokens.js')).listTokens(opts)));
  token
    .command('revoke')
    .description('revoke an API token by its id or its prefix, or every token of a user with --user')
    .argument('[id-or-prefix]', 'as shown by token list')
    .option('--user <email>', 'revoke all of this user’s active tokens')
    .addHelpText(
      'after',
      examples([
        ['freewire token revoke fw_AbC123', 'revoke by prefix'],
        ['freewire token revoke --user ed@example.org', 'a laptop with tokens on it was lost'],
      ]),
    )
    .action(action(async (idOrPrefix: string | undefined, opts: { user?: string }) => (await import('./tokens.js')).revokeToken(idOrPrefix, opts)));

  program
    .command('demo')
    .description('add generated stories (realistic text over two years, desks, authors and tags) to see and measure a large archive')
    .requiredOption('--stories <n>', 'how many stories to add (1 to 1,000,000)')
    .option('--seed <n>', 'the same seed writes the same text (default: random, printed at the end)')
    .addHelpText('after', examples([['freewire demo --stories 100000 --seed 1', 'a two-year archive of 100,000 stories']]))
    .action(action(async (opts: { stories: string; seed?: string }) => (await import('./demo.js')).demoCommand(opts)));

  program
    .command('backup')
    .description('write a consistent backup while the server keeps running (SQLite file, or pg_dump custom format)')
    .argument('<file>', 'where to write the backup')
    .option('--force', 'overwrite FILE if it exists')
    .addHelpText('after', examples([['freewire backup backups/freewire-$(date +%F).db', 'nightly backup, e.g. from cron']]))
    .action(action(async (file: string, opts: { force?: boolean }) => (await import('./backup.js')).backup(file, opts)));

  program
    .command('restore')
    .description('replace the database with a backup (stop the server first), then migrate')
    .argument('<file>', 'a file written by freewire backup')
    .option('--force', 'replace an existing database')
    .addHelpText('after', examples([['freewire restore backups/freewire-2026-12-01.db --force', 'roll back to a backup']]))
    .action(action(async (file: string, opts: { force?: boolean }) => (await import('./backup.js')).restore(file, opts)));

  program.addCommand(tipsCommand(program));

  program.addHelpText(
    'after',
    examples([
      ['freewire start', 'run the site and newsroom (http://localhost:8080)'],
      ['freewire worker', 'run only the background work (scheduler, deliveries), for an extra node'],
      ['freewire migrate', 'apply database migrations'],
      ['freewire user create --email ed@example.org --role editor', 'add a staff account'],
      ['freewire user list', 'list staff accounts'],
      ['freewire token create --user ed@example.org', 'print a new Admin API token'],
      ['freewire token revoke fw_AbC123', 'revoke a token'],
      ['freewire backup backup.db', 'back up while running'],
      ['freewire restore backup.db --force', 'restore a backup (server stopped)'],
    ]) + '\nRun freewire <command> --help for the options and examples of each command.\n',
  );
  return program;
}
