/** `freewire token …`: Admin API tokens. `create` prints only the token, so it can be captured. */
import { CLI_ACTOR, withServices } from './context.js';
import { findUser } from './users.js';
import { CliError, note, out, table } from './output.js';

export async function createToken(opts: { user: string; name?: string }): Promise<void> {
  await withServices(async ({ services }) => {
    const user = await findUser(services, opts.user);
    const name = opts.name ?? `cli ${new Date().toISOString().slice(0, 10)}`;
    const { id, token } = await services.users.createToken(CLI_ACTOR, user.id, name);
    out(token);
    note(`Created API token ${id} ("${name}") for ${user.email}. It is shown only now; send it as "Authorization: Bearer <token>".`);
    note(`Revoke it with: freewire token revoke ${id}`);
  });
}

export async function listTokens(opts: { user?: string }): Promise<void> {
  await withServices(async ({ services }) => {
    const userId = opts.user ? (await findUser(services, opts.user)).id : undefined;
    const tokens = await services.users.listTokens(userId);
    if (tokens.length === 0) {
      note('No API tokens. Create one with: freewire token create --user you@example.org');
      return;
    }
    const when = (iso: string | null) => (iso ? iso.slice(0, 16).replace('T', ' ') : '-');
    out(
      table(
        ['ID', 'PREFIX', 'USER', 'NAME', 'CREATED', 'LAST USED', 'STATUS'],
        tokens.map((t) => [t.id, t.prefix, t.email, t.name, when(t.created_at), when(t.last_used_at), t.revoked_at ? `revoked ${when(t.revoked_at)}` : 'active']),
      ),
    );
  });
}

export async function revokeToken(idOrPrefix: string | undefined, opts: { user?: string } = {}): Promise<void> {
  if ((idOrPrefix === undefined) === (opts.user === undefined)) {
    throw new CliError('give either a token id or prefix, or --user <email>', 'Examples: freewire token revoke fw_AbC123 | freewire token revoke --user ed@example.org');
  }
  await withServices(async ({ services }) => {
    if (opts.user !== undefined) {
      const user = await findUser(services, opts.user);
      const n = await services.users.revokeAllTokens(CLI_ACTOR, user.id);
      out(`Revoked ${n} API ${n === 1 ? 'token' : 'tokens'} of ${user.email}.`);
      return;
    }
    await services.users.revokeToken(CLI_ACTOR, idOrPrefix!.trim());
    out(`Revoked API token ${idOrPrefix!.trim()}.`);
  });
}
