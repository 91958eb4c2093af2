/**
 * The `freewire tips` command group, registered by src/cli/program.ts. Actions load their code on
 * demand (src/cli/tips.ts), so `freewire --help` stays fast.
 */
import { Command } from 'commander';
import { action, examples } from './commands.js';
import { PASSPHRASE_RULE } from './tips-passphrase.js';

const impl = () => import('./tips.js');

/** `parent` is the program: its output and error settings carry over, as for its own subcommands. */
export function tipsCommand(parent: Command): Command {
  const tips = new Command('tips').copyInheritedSettings(parent).description('the secure tip line: set up its key, grant access, export tips and decrypt them offline');

  tips
    .command('setup')
    .description(`create the tip line's key pair, sealed with a passphrase read from stdin (${PASSPHRASE_RULE})`)
    .option('--passphrase-stdin', 'read the passphrase from stdin (required)')
    .option('--rotate', 'replace the existing key; tips sealed to it stay readable with the old passphrase')
    .addHelpText(
      'after',
      examples([
        ["printf '%s\\n' \"$PASSPHRASE\" | freewire tips setup --passphrase-stdin", 'start accepting tips'],
        ["printf '%s\\n' \"$NEW_PASSPHRASE\" | freewire tips setup --passphrase-stdin --rotate", 'a reader left: new key, new passphrase'],
      ]),
    )
    .action(action(async (opts: { passphraseStdin?: boolean; rotate?: boolean }) => (await impl()).setup(opts)));

  tips
    .command('status')
    .description('keys (fingerprints, active or retired), how many tips and how much ciphertext, who may read them; never any content')
    .addHelpText('after', examples([['freewire tips status', 'is the tip line set up, and who reads it?']]))
    .action(action(async () => (await impl()).status()));

  tips
    .command('grant')
    .description('let a staff member read and answer tips (they unlock them with the passphrase)')
    .argument('<email>', 'their login email')
    .addHelpText('after', examples([['freewire tips grant ed@example.org', 'an editor who handles tips']]))
    .action(action(async (email: string) => (await impl()).setAccess(email, true)));

  tips
    .command('revoke')
    .description('take tips access away from a staff member')
    .argument('<email>', 'their login email')
    .addHelpText('after', examples([['freewire tips revoke ed@example.org', 'they moved to another desk']]))
    .action(action(async (email: string) => (await impl()).setAccess(email, false)));

  tips
    .command('export')
    .description('write every tip (still encrypted) and the passphrase-sealed keys to a new directory, for reading offline')
    .requiredOption('--out <dir>', 'the bundle directory to create (must not exist, or be empty)')
    .addHelpText('after', examples([['freewire tips export --out /media/usb/tips-$(date +%F)', 'copy the tips to a USB stick']]))
    .action(action(async (opts: { out: string }) => (await impl()).exportTips(opts)));

  tips
    .command('verify')
    .description('check a bundle (a copy, say) against the SHA-256 sums in its manifest; needs no passphrase, database or configuration')
    .argument('<bundle-dir>', 'a directory written by freewire tips export')
    .addHelpText('after', examples([['freewire tips verify /media/usb/tips-2026-12-03', 'did the copy arrive whole?']]))
    .action(action(async (bundleDir: string) => (await impl()).verifyTips(bundleDir)));

  tips
    .command('decrypt')
    .description('decrypt a bundle made by tips export into one folder per tip; needs no database or configuration, only the bundle and the passphrase(s), one per line on stdin')
    .argument('<bundle-dir>', 'a directory written by freewire tips export')
    .requiredOption('--out <dir>', 'where to write the decrypted tips (must not exist, or be empty)')
    .option('--passphrase-stdin', 'read the passphrase(s) from stdin, one per line (required)')
    .addHelpText(
      'after',
      examples([
        ["printf '%s\\n' \"$PASSPHRASE\" | freewire tips decrypt tips-bundle --out tips-plain --passphrase-stdin", 'on the offline computer'],
        ["printf '%s\\n%s\\n' \"$NEW\" \"$OLD\" | freewire tips decrypt tips-bundle --out tips-plain --passphrase-stdin", 'after a rotation: both passphrases'],
      ]),
    )
    .action(action(async (bundleDir: string, opts: { out: string; passphraseStdin?: boolean }) => (await impl()).decryptTips(bundleDir, opts)));

  return tips;
}
