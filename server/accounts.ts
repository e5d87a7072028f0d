/**
 * Who may use the admin pages and API, by name: the bootstrap ADMIN_TOKEN
 * (and ADMIN_USERNAME / ADMIN_PASSWORD), and the named accounts of
 * ADMIN_USERS — a YAML file of name, email, role, a scrypt password hash and
 * the SHA-256 of the account's API token. Nothing secret is kept in clear:
 * `npm run admin:user -- <name> <email> <role>` prints an entry to paste.
 *
 * Each sign-in or bearer token resolves to an Actor (name and role), which
 * every action records in the request (model/audit.ts).
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import type { Secret } from '../lib/config.ts';
import { hashPassword, hashToken, PASSWORD_HASH, TOKEN_HASH, verifyPassword } from '../lib/passwords.ts';
import { sameText } from '../lib/secrets.ts';
import { ADMIN_ROLES, type Actor, TOKEN_ACTOR } from '../model/audit.ts';

const accountSchema = z.strictObject({
  name: z
    .string()
    .trim()
    .regex(/^[\p{L}\p{N} ._'-]{1,64}$/u, "expected 1 to 64 letters, digits, spaces or ._'-"),
  email: z.email('expected an email address'),
  role: z.enum(ADMIN_ROLES, `expected one of ${ADMIN_ROLES.join(', ')}`),
  passwordHash: z.string().regex(PASSWORD_HASH, 'expected a hash made by `npm run admin:user` (scrypt$N=…,r=…,p=…$salt$hash)').optional(),
  tokenHash: z.string().regex(TOKEN_HASH, 'expected "sha256:" and 64 hex digits, as `npm run admin:user` prints').optional(),
});
const accountsSchema = z.array(accountSchema).min(1, 'expected at least one account');

export { hashPassword, hashToken, newToken, verifyPassword } from '../lib/passwords.ts';

export type AdminAccount = z.infer<typeof accountSchema>;

/** ADMIN_USERS cannot be used: the file, the account and the field to fix. */
export class AdminUsersError extends Error {
  override readonly name = 'AdminUsersError';
}

/** Reads and checks ADMIN_USERS; every problem is listed with where it is. */
export async function loadAdminUsers(path: string): Promise<AdminAccount[]> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new AdminUsersError(`Cannot read ADMIN_USERS ${path}: ${error.code ?? error.message}`);
  });
  const document = parseDocument(text);
  if (document.errors.length > 0) throw new AdminUsersError(`Cannot read ADMIN_USERS ${path}: ${document.errors[0]?.message}`);
  const parsed = accountsSchema.safeParse(document.toJS());
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`);
    throw new AdminUsersError(`Cannot use ADMIN_USERS ${path}: ${problems.join('; ')}`);
  }
  const names = new Set<string>();
  for (const account of parsed.data) {
    const key = account.name.toLowerCase();
    if (names.has(key)) throw new AdminUsersError(`Cannot use ADMIN_USERS ${path}: the name "${account.name}" is given twice`);
    names.add(key);
    if (!account.passwordHash && !account.tokenHash) {
      throw new AdminUsersError(`Cannot use ADMIN_USERS ${path}: "${account.name}" has neither passwordHash nor tokenHash, so cannot sign in`);
    }
  }
  return parsed.data;
}

export interface AccountOptions {
  adminToken: Secret;
  /** The single name and password of ADMIN_USERNAME / ADMIN_PASSWORD: an admin. */
  adminLogin?: { username: string; password: Secret } | undefined;
  users?: readonly AdminAccount[] | undefined;
}

/** Resolves credentials to who acts. */
export function createAccounts(options: AccountOptions) {
  const users = options.users ?? [];
  // A hash to check an unknown name against, so a wrong name takes as long as a wrong password.
  const decoy = hashPassword(randomBytes(16).toString('hex'));
  return {
    /** Whether any named account (or the single login) can sign in with a password. */
    withPassword: options.adminLogin !== undefined || users.some((user) => user.passwordHash),
    /** The actor behind a bearer token: the admin token, or a named account's own. */
    byToken(token: string): Actor | undefined {
      if (sameText(token, options.adminToken.reveal())) return TOKEN_ACTOR;
      const hash = hashToken(token);
      const user = users.find((candidate) => candidate.tokenHash !== undefined && sameText(hash, candidate.tokenHash));
      return user ? { name: user.name, role: user.role } : undefined;
    },
    /** The actor behind a name and password, or undefined (after as long as a real check takes). */
    async byPassword(username: string, password: string): Promise<Actor | undefined> {
      const name = username.trim();
      const login = options.adminLogin;
      if (login && sameText(name, login.username) && sameText(password, login.password.reveal())) return { name: login.username, role: 'admin' };
      const user = users.find((candidate) => candidate.name.toLowerCase() === name.toLowerCase() && candidate.passwordHash);
      const ok = await verifyPassword(password, user?.passwordHash ?? (await decoy));
      return user && ok ? { name: user.name, role: user.role } : undefined;
    },
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
