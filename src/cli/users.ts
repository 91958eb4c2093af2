/** `freewire user …`: staff accounts from the shell (the way in before anyone can log in). */
import type { Role, User } from '../db/schema.js';
import type { Services } from '../services.js';
import { CLI_ACTOR, withServices } from './context.js';
import { CliError, note, out, table } from './output.js';
import { generatePassword, readPasswordFromStdin } from './secrets.js';

export async function findUser(services: Services, email: string): Promise<User> {
  const user = await services.users.findByEmail(email);
  if (!user) throw new CliError(`no user has the email ${email.trim().toLowerCase()}`, 'List the accounts with: freewire user list');
  return user;
}

export async function createUser(opts: { email: string; role: Role; name?: string; passwordStdin?: boolean }): Promise<void> {
  // Read stdin before opening the database: a pipe that never closes should not hold a connection.
  const supplied = opts.passwordStdin ? await readPasswordFromStdin(`freewire user create --email ${opts.email} --role ${opts.role} --password-stdin`) : undefined;
  const password = supplied ?? generatePassword();
  await withServices(async ({ services }) => {
    const user = await services.users.create(CLI_ACTOR, { email: opts.email, name: opts.name, role: opts.role, password });
    out(`Created ${user.role} ${user.email} (${user.name}).`);
    if (!supplied) out(`Password: ${password}  (shown once; they can change it under Account)`);
  });
}

export async function listUsers(): Promise<void> {
  await withServices(async ({ services }) => {
    const users = await services.users.list();
    if (users.length === 0) {
      note('No users yet. Create one with: freewire user create --email you@example.org --role admin');
      return;
    }
    out(table(['EMAIL', 'NAME', 'ROLE', 'STATUS', 'CREATED'], users.map((u) => [u.email, u.name, u.role, u.status, u.createdAt.slice(0, 16).replace('T', ' ')])));
  });
}

export async function setPassword(opts: { email: string; passwordStdin?: boolean }): Promise<void> {
  const supplied = opts.passwordStdin ? await readPasswordFromStdin(`freewire user set-password --email ${opts.email} --password-stdin`) : undefined;
  const password = supplied ?? generatePassword();
  await withServices(async ({ services }) => {
    const user = await findUser(services, opts.email);
    const { sessionsEnded } = await services.users.setPassword(CLI_ACTOR, user.id, password);
    out(`Password changed for ${user.email}; ${sessionsEnded} ${sessionsEnded === 1 ? 'session' : 'sessions'} logged out.`);
    if (!supplied) out(`Password: ${password}  (shown once)`);
  });
}

export async function setStatus(opts: { email: string }, status: 'active' | 'disabled'): Promise<void> {
  await withServices(async ({ services }) => {
    const user = await findUser(services, opts.email);
    if (user.status === status) {
      out(`${user.email} is already ${status === 'active' ? 'enabled' : 'disabled'}.`);
      return;
    }
    await services.users.update(CLI_ACTOR, user.id, { status });
    out(status === 'disabled' ? `Disabled ${user.email}: their sessions ended and their API tokens were revoked.` : `Enabled ${user.email}.`);
  });
}
