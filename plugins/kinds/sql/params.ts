/**
 * Named parameters for the `sql` kind: the manifest writes `:email`,
 * `:limit` and `:offset`; each driver gets its own placeholders (`$1` for
 * PostgreSQL, `?` for MySQL and SQLite) and the values travel separately.
 * Values are never spliced into the SQL text.
 *
 * The scanner knows just enough SQL to find parameters: string literals
 * (`'…'` with `''`, PostgreSQL `E'…'` and MySQL backslash escapes, `$tag$…$tag$`),
 * quoted identifiers, comments and PostgreSQL `::type` casts. Anything that
 * looks like a parameter but is not one of ours (`:name`, `?`, `$1`, `@name`)
 * is refused, so no driver ever sees a placeholder we do not fill. (A
 * PostgreSQL array slice over names, `a[lo:hi]`, reads as a parameter: write `a[lo : hi]`.)
 *
 * @example
 * ```ts
 * compileSql("SELECT id::text FROM t WHERE email = :email AND note <> 'a:b' LIMIT :limit", 'postgres', ['email', 'limit'], 'query')
 * // → { text: "SELECT id::text FROM t WHERE email = $1 AND note <> 'a:b' LIMIT $2", order: ['email', 'limit'], uses: Set { 'email', 'limit' } }
 * ```
 * @module
 */
import { ManifestError } from '../../../lib/errors.ts';

export type Dialect = 'postgres' | 'mysql' | 'sqlite';
export type ParamName = 'email' | 'limit' | 'offset';
export type ParamValues = Readonly<Partial<Record<ParamName, string | number>>>;

export interface CompiledSql {
  /** What the manifest says, for messages (e.g. `statements[1]`). */
  label: string;
  /** The SQL with the driver's placeholders. */
  text: string;
  /** The value of each placeholder in order (`$n` is `order[n-1]`; each `?` is the next). */
  order: ParamName[];
  /** The parameters the SQL uses. */
  uses: ReadonlySet<ParamName>;
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_$]/;

/**
 * Translates `:name` parameters into `dialect`'s placeholders.
 * @param allowed the parameters this SQL may use
 * @param label where the SQL sits in the manifest, for messages
 * @throws {ManifestError} for an unknown or misplaced parameter, a foreign placeholder, more than one
 *   statement, or an unterminated literal or comment
 */
export function compileSql(sql: string, dialect: Dialect, allowed: readonly ParamName[], label: string): CompiledSql {
  const fail = (problem: string): never => {
    throw new ManifestError(`${label}: ${problem}`);
  };
  const order: ParamName[] = [];
  const uses = new Set<ParamName>();
  let out = '';
  let i = 0;
  let semicolon = -1; // where a top-level `;` sits in `out`: only blanks and comments may follow it
  const at = (offset = 0) => sql[i + offset] ?? '';
  const copyUntil = (end: number) => {
    out += sql.slice(i, end);
    i = end;
  };

  while (i < sql.length) {
    const c = at();
    const next = at(1);
    const prev = i > 0 ? (sql[i - 1] ?? '') : '';
    if (semicolon >= 0 && !/\s/.test(c) && !(c === '-' && next === '-') && !(c === '/' && next === '*') && !(c === '#' && dialect === 'mysql')) {
      fail('expected one SQL statement; list several under "statements:" instead of joining them with ";"');
    }
    if (c === "'") {
      const backslashes = dialect === 'mysql' || (dialect === 'postgres' && /[Ee]/.test(prev) && !IDENT_PART.test(sql[i - 2] ?? ''));
      copyUntil(endOfQuoted(sql, i, "'", backslashes) ?? fail('unterminated string literal'));
    } else if (c === '"') {
      copyUntil(endOfQuoted(sql, i, '"', dialect === 'mysql') ?? fail('unterminated quoted identifier'));
    } else if (c === '`' && dialect !== 'postgres') {
      copyUntil(endOfQuoted(sql, i, '`', false) ?? fail('unterminated quoted identifier'));
    } else if (c === '[' && dialect === 'sqlite') {
      const end = sql.indexOf(']', i + 1);
      copyUntil(end < 0 ? fail('unterminated [identifier]') : end + 1);
    } else if ((c === '-' && next === '-' && (dialect !== 'mysql' || /^[\s]?$/.test(at(2)))) || (c === '#' && dialect === 'mysql')) {
      const end = sql.indexOf('\n', i);
      copyUntil(end < 0 ? sql.length : end);
    } else if (c === '/' && next === '*') {
      copyUntil(endOfBlockComment(sql, i, dialect === 'postgres') ?? fail('unterminated /* comment'));
    } else if (c === '$' && dialect !== 'mysql' && !IDENT_PART.test(prev)) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag && dialect === 'postgres') {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        copyUntil(end < 0 ? fail(`unterminated ${tag[0]} quoted string`) : end + tag[0].length);
      } else if (/[A-Za-z0-9_]/.test(next)) {
        fail(`found the placeholder "${/^\$\w*/.exec(sql.slice(i))?.[0]}": write the parameters as ${allowed.map((n) => `:${n}`).join(', ')}`);
      } else {
        copyUntil(i + 1);
      }
    } else if ((c === '?' && dialect !== 'postgres') || (c === '@' && dialect === 'sqlite' && IDENT_START.test(next))) {
      fail(
        `found the placeholder "${c}${c === '@' ? (/^\w*/.exec(sql.slice(i + 1))?.[0] ?? '') : ''}": write the parameters as ${allowed.map((n) => `:${n}`).join(', ')}`,
      );
    } else if (c === ':' && next === ':') {
      copyUntil(i + 2); // a PostgreSQL cast, `value::text`
    } else if (c === ':' && IDENT_START.test(next) && !IDENT_PART.test(prev)) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1))?.[0] ?? '';
      if (!(allowed as readonly string[]).includes(name)) {
        fail(`unknown parameter ":${name}"; this SQL may use ${allowed.map((n) => `:${n}`).join(', ')}`);
      }
      const param = name as ParamName;
      uses.add(param);
      if (dialect === 'postgres') {
        if (!order.includes(param)) order.push(param);
        out += `$${order.indexOf(param) + 1}`;
      } else {
        order.push(param);
        out += '?';
      }
      i += 1 + name.length;
    } else {
      if (c === ';') semicolon = out.length;
      copyUntil(i + 1);
    }
  }
  // A trailing `;` is dropped: not every driver takes it in a prepared statement.
  return { label, text: semicolon >= 0 ? out.slice(0, semicolon) + out.slice(semicolon + 1) : out, order, uses };
}

/** The values for `compiled`'s placeholders, in order. */
export function bindValues(compiled: CompiledSql, values: ParamValues): (string | number)[] {
  return compiled.order.map((name) => {
    const value = values[name];
    if (value === undefined) throw new ManifestError(`${compiled.label}: the parameter ":${name}" cannot be used here`);
    return value;
  });
}

// ---------------------------------------------------------------------------------------------
// _helpers

/** Index just past the closing `quote` of the literal opening at `start`; doubled quotes escape. */
function endOfQuoted(sql: string, start: number, quote: string, backslashes: boolean): number | undefined {
  for (let i = start + 1; i < sql.length; i++) {
    const c = sql[i];
    if (backslashes && c === '\\') i++;
    else if (c === quote) {
      if (sql[i + 1] === quote) i++;
      else return i + 1;
    }
  }
  return undefined;
}

/** Index just past the `*\/` closing the comment at `start`; PostgreSQL comments nest. */
function endOfBlockComment(sql: string, start: number, nests: boolean): number | undefined {
  let depth = 0;
  for (let i = start; i < sql.length - 1; i++) {
    if (sql[i] === '/' && sql[i + 1] === '*' && (nests || depth === 0)) {
      depth++;
      i++;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i++;
      if (depth === 0) return i + 1;
    }
  }
  return undefined;
}
