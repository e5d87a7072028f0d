/**
 * Prints an ADMIN_USERS entry for a named admin account, with a fresh API
 * token shown once: `npm run admin:user -- <name> <email> <admin|reviewer>`.
 * The password is read from ADMIN_USER_PASSWORD or, interactively, from the
 * terminal; only its scrypt hash and the token's SHA-256 are printed for the file.
 */
import { createInterface } from 'node:readline/promises';
import { stringify } from 'yaml';
import { ADMIN_ROLES, type AdminRole } from '../model/audit.ts';
import { hashPassword, hashToken, newToken } from '../lib/passwords.ts';

const [name, email, role] = process.argv.slice(2);
if (!name || !email || !(ADMIN_ROLES as readonly string[]).includes(role ?? '')) {
  console.error(`usage: npm run admin:user -- <name> <email> <${ADMIN_ROLES.join('|')}>`);
  process.exit(2);
}
let password = process.env.ADMIN_USER_PASSWORD;
if (password === undefined) {
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  password = await terminal.question('Password (at least 12 characters): ');
  terminal.close();
}
if (password.length < 12) {
  console.error('admin:user: the password must be at least 12 characters');
  process.exit(2);
}
const token = newToken();
const entry = { name, email, role: role as AdminRole, passwordHash: await hashPassword(password), tokenHash: hashToken(token) };
console.error(`API token for ${name} (shown once; give it to them, it is not stored): ${token}`);
console.log(stringify([entry]).trimEnd());
