/**
 * The demo seed, for `npm start`, the tests and the benchmarks: one demo
 * person and two bystanders, deterministic (documentation IP ranges and
 * example.* domains only), and a bulk seeder of comments for benchmarks.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Database } from 'better-sqlite3';
import { findDemoUser } from './schema.ts';

/** The email of the seeded demo person, the subject of every demo request. */
export const DEMO_PERSON = 'alex.doe@example.com';

/** Options of {@link seedDemoData}. */
export interface SeedOptions {
  /** Where the media files are written. @default `media/` next to the database file */
  mediaDir?: string;
  /** Base of the public media URLs. @default 'https://demo.example.com' */
  siteUrl?: string;
}

/**
 * Inserts the deterministic demo data set, once: a second call is a no-op.
 *
 * Alex Doe (`DEMO_PERSON`): account, 12 comments (4 with latitude/longitude),
 * 2 sessions, 3 media files (written to disk), 2 orders (one billed to
 * `Alex.Doe@Example.com`); plus a guest comment
 * as `Alex.Doe@Example.com`. Sam Roe: account, 4 comments, 1 session, 1 media
 * file, 1 order. `guest.poster@example.org`: 3 comments, no account.
 *
 * @returns `true` if it seeded, `false` if the database was already seeded.
 * @throws {TypeError} For an in-memory database without `options.mediaDir`.
 * @example seedDemoData(openDemoDb('demo.db')); // → true, then false
 */
export function seedDemoData(db: Database, options: SeedOptions = {}): boolean {
  if (db.memory && options.mediaDir === undefined) {
    throw new TypeError('Cannot seed media files: an in-memory database needs options.mediaDir');
  }
  const dbDir = dirname(resolve(db.name));
  const mediaDir = resolve(options.mediaDir ?? join(dbDir, 'media'));
  const siteUrl = (options.siteUrl ?? 'https://demo.example.com').replace(/\/+$/, '');
  const seed = db.transaction((): boolean => {
    if (db.prepare(`SELECT 1 FROM demo_meta WHERE key = 'seeded'`).get() !== undefined) return false;
    const userIds = new Map<string, number>();
    const addUser = db.prepare(`INSERT INTO users (login, email, display_name, first_name, last_name, url, registered_at)
      VALUES (@login, @email, @display_name, @first_name, @last_name, @url, @registered_at)`);
    for (const u of SEED.users) userIds.set(u.login, Number(addUser.run(u).lastInsertRowid));
    const uid = (login: string | null): number | null => (login === null ? null : (userIds.get(login) ?? null));
    const addComment = db.prepare(`INSERT INTO comments (user_id, author_name, author_email, author_url, author_ip,
      user_agent, content, created_at, post_url, latitude, longitude) VALUES (@user_id, @author_name, @author_email,
      @author_url, @author_ip, @user_agent, @content, @created_at, @post_url, @latitude, @longitude)`);
    for (const { user, ...c } of SEED.comments) addComment.run({ latitude: null, longitude: null, ...c, user_id: uid(user) });
    const addSession = db.prepare(`INSERT INTO sessions (user_id, token_hash, ip, user_agent, login_at, expires_at)
      VALUES (@user_id, @token_hash, @ip, @user_agent, @login_at, @expires_at)`);
    for (const { user, ...s } of SEED.sessions) addSession.run({ ...s, user_id: uid(user) });
    const addMedia = db.prepare(`INSERT INTO media (user_id, file_path, url, mime_type, uploaded_at)
      VALUES (?, ?, ?, ?, ?)`);
    mkdirSync(mediaDir, { recursive: true });
    for (const m of SEED.media) {
      const file = join(mediaDir, m.name);
      writeFileSync(file, m.content);
      const stored = db.memory ? file : relative(dbDir, file).split('\\').join('/');
      addMedia.run(uid(m.user), stored, `${siteUrl}/media/${m.name}`, m.mime_type, m.uploaded_at);
    }
    const addOrder = db.prepare(`INSERT INTO orders (user_id, number, total_cents, currency, created_at, billing_name,
      billing_email) VALUES (@user_id, @number, @total_cents, @currency, @created_at, @billing_name, @billing_email)`);
    for (const { user, ...o } of SEED.orders) addOrder.run({ ...o, user_id: uid(user) });
    db.prepare(`INSERT INTO demo_meta (key, value) VALUES ('seeded', 'v1')`).run();
    return true;
  });
  return seed.immediate(); // IMMEDIATE: two seeders racing cannot both pass the check
}

/**
 * Inserts `n` comments (~1 KB of text each) by `email`, for benchmarks,
 * in transactions of 10 000 rows. Linked to the user with that email, if any.
 *
 * @returns The number of comments inserted (`n`).
 * @example seedManyComments(db, DEMO_PERSON, 100_000);
 */
export function seedManyComments(db: Database, email: string, n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`Cannot seed comments: n must be an integer >= 0, got ${n}`);
  const user = findDemoUser(db, email);
  const insert = db.prepare(`INSERT INTO comments (user_id, author_name, author_email, author_ip, user_agent, content,
    created_at, post_url) VALUES (?, ?, ?, '198.51.100.77', 'bench/1.0', ?, ?, 'https://demo.example.com/bench/')`);
  const filler = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor. '.repeat(13).slice(0, 1000);
  const start = Date.UTC(2020, 0, 1);
  const chunk = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const at = new Date(start + i * 60_000).toISOString().slice(0, 19).replace('T', ' ');
      insert.run(user?.id ?? null, user?.display_name ?? 'Bench Author', email, `#${i} ${filler}`, at);
    }
  });
  for (let from = 0; from < n; from += 10_000) chunk(from, Math.min(n, from + 10_000));
  return n;
}

// ---------------------------------------------------------------------------
// The seed (deterministic; documentation IP ranges and example.* domains only)
// ---------------------------------------------------------------------------

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const SAFARI = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Mobile Safari/604.1';
const POST = 'https://demo.example.com/2024';
const ALEX = { user: 'alexdoe', author_name: 'Alex Doe', author_email: DEMO_PERSON, author_url: 'https://alexdoe.example.com', user_agent: FIREFOX };
const SAM = { user: 'samroe', author_name: 'Sam Roe', author_email: 'sam.roe@example.com', author_url: '', user_agent: SAFARI };
const GUEST = {
  user: null,
  author_name: 'Guest Poster',
  author_email: 'guest.poster@example.org',
  author_url: 'https://guest.example.org',
  user_agent: 'curl/8.5.0',
};
const PNG_1X1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const MINI_PDF =
  '%PDF-1.1\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
  '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n';
const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

interface SeedComment {
  user: string | null;
  author_name: string;
  author_email: string;
  author_url: string;
  author_ip: string;
  user_agent: string;
  content: string;
  created_at: string;
  post_url: string;
  latitude?: number;
  longitude?: number;
}

const SEED = {
  users: [
    {
      login: 'alexdoe',
      email: DEMO_PERSON,
      display_name: 'Alex Doe',
      first_name: 'Alex',
      last_name: 'Doe',
      url: 'https://alexdoe.example.com',
      registered_at: '2021-03-14 09:26:53',
    },
    { login: 'samroe', email: 'sam.roe@example.com', display_name: 'Sam Roe', first_name: 'Sam', last_name: '', url: '', registered_at: '2022-07-01 18:00:00' },
  ],
  // Interleaved, so that paging by id has to skip other people's rows.
  comments: [
    {
      ...ALEX,
      author_ip: '192.0.2.10',
      content: 'First! Lovely write-up.',
      created_at: '2024-01-05 08:15:00',
      post_url: `${POST}/01/hello-world/`,
      latitude: 38.7223,
      longitude: -9.1393,
    },
    { ...SAM, author_ip: '203.0.113.5', content: 'Sam here: I disagree.', created_at: '2024-01-05 09:00:00', post_url: `${POST}/01/hello-world/` },
    {
      ...ALEX,
      author_ip: '192.0.2.10',
      content: 'Replying to the comment above: fair point.',
      created_at: '2024-01-05 09:30:00',
      post_url: `${POST}/01/hello-world/`,
    },
    { ...GUEST, author_ip: '198.51.100.23', content: 'Drive-by guest comment.', created_at: '2024-01-06 12:00:00', post_url: `${POST}/01/hello-world/` },
    {
      ...ALEX,
      author_ip: '2001:db8:85a3::8a2e:370:7334',
      content: 'Posting from my phone, on the train.',
      created_at: '2024-02-11 07:45:10',
      post_url: `${POST}/02/commuting/`,
      latitude: 52.52,
      longitude: 13.405,
      user_agent: SAFARI,
    },
    {
      ...ALEX,
      author_ip: '192.0.2.10',
      content: 'I <3 this & that: <b>bold</b> "quotes" \'too\'.',
      created_at: '2024-02-12 20:01:00',
      post_url: `${POST}/02/markup/`,
    },
    { ...SAM, author_ip: '203.0.113.5', content: 'Second comment by Sam.', created_at: '2024-02-13 10:10:10', post_url: `${POST}/02/markup/` },
    { ...ALEX, author_ip: '192.0.2.11', content: 'Does anyone have the slides?', created_at: '2024-03-01 16:20:00', post_url: `${POST}/03/talk/` },
    {
      ...ALEX,
      author_ip: '192.0.2.11',
      content: 'Found them, thanks.',
      created_at: '2024-03-01 16:45:00',
      post_url: `${POST}/03/talk/`,
      latitude: 48.8566,
      longitude: 2.3522,
    },
    {
      user: null,
      author_name: 'Alex D.',
      author_email: 'Alex.Doe@Example.com',
      author_url: '',
      author_ip: '198.51.100.99',
      user_agent: FIREFOX,
      content: 'Logged out, same person, different capitalisation.',
      created_at: '2024-03-02 11:00:00',
      post_url: `${POST}/03/talk/`,
    },
    { ...GUEST, author_ip: '198.51.100.23', content: 'Guest again.', created_at: '2024-03-03 13:13:13', post_url: `${POST}/03/talk/` },
    {
      ...ALEX,
      author_ip: '192.0.2.10',
      content: 'Multi-line comment:\nline two\nline three.',
      created_at: '2024-04-10 19:00:00',
      post_url: `${POST}/04/multiline/`,
    },
    { ...ALEX, author_ip: '192.0.2.10', content: 'Ünïcödé ✓ — naïve café.', created_at: '2024-04-11 06:30:00', post_url: `${POST}/04/unicode/` },
    { ...SAM, author_ip: '203.0.113.6', content: 'Sam, third.', created_at: '2024-04-12 09:00:00', post_url: `${POST}/04/unicode/` },
    {
      ...ALEX,
      author_ip: '192.0.2.12',
      content: 'Summer trip report coming soon.',
      created_at: '2024-06-20 14:00:00',
      post_url: `${POST}/06/summer/`,
      latitude: -33.8688,
      longitude: 151.2093,
    },
    {
      ...ALEX,
      author_ip: '192.0.2.12',
      content: 'As promised: https://alexdoe.example.com/trip',
      created_at: '2024-07-02 10:00:00',
      post_url: `${POST}/06/summer/`,
    },
    { ...GUEST, author_ip: '198.51.100.24', content: 'Nice trip.', created_at: '2024-07-02 11:00:00', post_url: `${POST}/06/summer/` },
    { ...ALEX, author_ip: '192.0.2.12', content: 'Thanks!', created_at: '2024-07-02 11:30:00', post_url: `${POST}/06/summer/` },
    { ...SAM, author_ip: '203.0.113.6', content: 'Sam, last one.', created_at: '2024-08-01 08:00:00', post_url: `${POST}/08/last/` },
    { ...ALEX, author_ip: '192.0.2.13', content: 'Last comment for now.', created_at: '2024-08-01 09:00:00', post_url: `${POST}/08/last/` },
  ] satisfies SeedComment[],
  sessions: [
    {
      user: 'alexdoe',
      token_hash: tokenHash('demo-alex-laptop'),
      ip: '192.0.2.10',
      user_agent: FIREFOX,
      login_at: '2024-08-01 08:55:00',
      expires_at: '2024-08-15 08:55:00',
    },
    {
      user: 'samroe',
      token_hash: tokenHash('demo-sam-phone'),
      ip: '203.0.113.6',
      user_agent: SAFARI,
      login_at: '2024-08-01 07:59:00',
      expires_at: '2024-08-03 07:59:00',
    },
    {
      user: 'alexdoe',
      token_hash: tokenHash('demo-alex-phone'),
      ip: '2001:db8:85a3::8a2e:370:7334',
      user_agent: SAFARI,
      login_at: '2024-08-02 21:10:00',
      expires_at: '2024-08-04 21:10:00',
    },
  ],
  media: [
    { user: 'alexdoe', name: 'alex-avatar.png', mime_type: 'image/png', uploaded_at: '2021-03-14 09:30:00', content: PNG_1X1 },
    { user: 'samroe', name: 'sam-notes.txt', mime_type: 'text/plain', uploaded_at: '2022-07-02 10:00:00', content: 'Sam Roe: private notes.\n' },
    { user: 'alexdoe', name: 'alex-trip-notes.txt', mime_type: 'text/plain', uploaded_at: '2024-06-20 14:05:00', content: 'Alex Doe: trip notes, day 1.\n' },
    { user: 'alexdoe', name: 'alex-cv.pdf', mime_type: 'application/pdf', uploaded_at: '2024-07-15 12:00:00', content: MINI_PDF },
  ],
  orders: [
    {
      user: 'alexdoe',
      number: 'WC-1001',
      total_cents: 4999,
      currency: 'EUR',
      created_at: '2023-11-24 10:00:00',
      billing_name: 'Alex Doe',
      billing_email: DEMO_PERSON,
    },
    {
      user: 'samroe',
      number: 'WC-1002',
      total_cents: 1250,
      currency: 'EUR',
      created_at: '2024-01-10 15:30:00',
      billing_name: 'Sam Roe',
      billing_email: 'sam.roe@example.com',
    },
    // Billed under another capitalisation: found all the same (billing_email is NOCASE).
    {
      user: 'alexdoe',
      number: 'WC-1003',
      total_cents: 12900,
      currency: 'EUR',
      created_at: '2024-05-02 09:45:00',
      billing_name: 'Alex Doe',
      billing_email: 'Alex.Doe@Example.com',
    },
  ],
};
