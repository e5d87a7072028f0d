import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Sqlite from 'better-sqlite3';
import type { Database } from 'better-sqlite3';

export type { Database } from 'better-sqlite3';

/** A row of `users`. */
export interface UserRow {
  id: number;
  login: string;
  email: string;
  display_name: string;
  first_name: string;
  last_name: string;
  url: string;
  registered_at: string;
  disabled: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  id INTEGER PRIMARY KEY, login TEXT NOT NULL UNIQUE, email TEXT NOT NULL UNIQUE COLLATE NOCASE,
  display_name TEXT NOT NULL DEFAULT '', first_name TEXT NOT NULL DEFAULT '', last_name TEXT NOT NULL DEFAULT '',
  url TEXT NOT NULL DEFAULT '', registered_at TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS comments (
  id INTEGER PRIMARY KEY, user_id INTEGER NULL REFERENCES users(id), author_name TEXT NOT NULL DEFAULT '',
  author_email TEXT NOT NULL DEFAULT '' COLLATE NOCASE, author_url TEXT NOT NULL DEFAULT '',
  author_ip TEXT NOT NULL DEFAULT '', user_agent TEXT NOT NULL DEFAULT '', content TEXT NOT NULL,
  created_at TEXT NOT NULL, post_url TEXT NOT NULL, latitude REAL NULL, longitude REAL NULL);
CREATE INDEX IF NOT EXISTS comments_author_email_id ON comments(author_email, id);
CREATE INDEX IF NOT EXISTS comments_user_id ON comments(user_id, id);
CREATE TABLE IF NOT EXISTS sessions (
  id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), token_hash TEXT NOT NULL UNIQUE,
  ip TEXT NOT NULL DEFAULT '', user_agent TEXT NOT NULL DEFAULT '', login_at TEXT NOT NULL, expires_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS sessions_user_id ON sessions(user_id, id);
CREATE TABLE IF NOT EXISTS media (
  id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), file_path TEXT NOT NULL,
  url TEXT NOT NULL, mime_type TEXT NOT NULL, uploaded_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS media_user_id ON media(user_id, id);
CREATE TABLE IF NOT EXISTS orders (
  id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), number TEXT NOT NULL UNIQUE,
  total_cents INTEGER NOT NULL, currency TEXT NOT NULL, created_at TEXT NOT NULL,
  billing_name TEXT NOT NULL DEFAULT '', billing_email TEXT NOT NULL DEFAULT '' COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS orders_user_id ON orders(user_id, id);
CREATE TABLE IF NOT EXISTS erasure_journal (
  request_id TEXT NOT NULL, eraser TEXT NOT NULL, page INTEGER NOT NULL, result TEXT NOT NULL /* JSON */,
  created_at TEXT NOT NULL, PRIMARY KEY (request_id, eraser, page)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS demo_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`;

/** Indexes on columns that files from before those columns existed get from {@link addMissingColumns}. */
const LATE_INDEXES = `
CREATE INDEX IF NOT EXISTS orders_billing_email_id ON orders(billing_email, id);`;

/**
 * Opens (creating if missing) the demo database file and its schema.
 *
 * @param path File path; its directory is created if needed.
 * @returns A better-sqlite3 connection in WAL mode with a 5 s busy timeout.
 * @example const db = openDemoDb('/tmp/demo/demo.db'); seedDemoData(db);
 */
export function openDemoDb(path: string): Database {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const db = new Sqlite(path);
  db.pragma('busy_timeout = 5000'); // first, so the WAL switch below waits for other processes
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.exec(SCHEMA);
  addMissingColumns(db);
  db.exec(LATE_INDEXES);
  return db;
}

/**
 * Gives a database file seeded before `orders.billing_*` existed those columns,
 * filled from the account, so that opening an old file does not fail on the index.
 */
function addMissingColumns(db: Database): void {
  const has = () =>
    db
      .prepare<[], { name: string }>('PRAGMA table_info(orders)')
      .all()
      .some((c) => c.name === 'billing_email');
  if (has()) return;
  db.transaction(() => {
    if (has()) return; // another connection added them meanwhile
    db.exec(`ALTER TABLE orders ADD COLUMN billing_name TEXT NOT NULL DEFAULT '';
      ALTER TABLE orders ADD COLUMN billing_email TEXT NOT NULL DEFAULT '' COLLATE NOCASE;
      UPDATE orders SET billing_name = (SELECT display_name FROM users WHERE users.id = orders.user_id),
        billing_email = (SELECT email FROM users WHERE users.id = orders.user_id);`);
  }).immediate();
}

/**
 * Finds the registered user with this email, case-insensitively (trimmed, as WordPress does).
 *
 * @example findDemoUser(db, 'Alex.Doe@example.com')?.id; // → 1
 */
export function findDemoUser(db: Database, email: string): UserRow | undefined {
  if (email.trim() === '') return undefined;
  return db.prepare<[string], UserRow>('SELECT * FROM users WHERE email = ?').get(email.trim());
}

// ---------------------------------------------------------------------------
// Shared by the exporters and erasers: connection cache and small helpers
// ---------------------------------------------------------------------------
