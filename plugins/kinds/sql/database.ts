/**
 * The little the `sql` kind needs from a database, whatever the driver:
 * run SQL with bound values inside one transaction, committed or rolled back.
 * @module
 */
import type { CompiledSql, ParamValues } from './params.ts';

export type Row = Record<string, unknown>;

export interface SqlTransaction {
  /** The rows a query answers. */
  rows(sql: CompiledSql, values: ParamValues): Promise<Row[]>;
  /** How many rows a statement inserted, changed or deleted. */
  run(sql: CompiledSql, values: ParamValues): Promise<number>;
}

export interface TransactionOptions {
  /** Refuse writes (an exporter's transaction). */
  readOnly: boolean;
  /** Roll back at the end even on success (an eraser's dry run). */
  rollback: boolean;
  /** Checked before every statement: no new statement starts once it is aborted. */
  signal: AbortSignal;
  /** Upper bound for each statement, where the driver can enforce one. */
  timeoutMs: number;
}

export interface SqlDatabase {
  /**
   * Runs `work` in one transaction: committed when it resolves (unless `rollback`), rolled back when it throws.
   * Driver errors come out as they are; the caller classifies them.
   */
  transaction<T>(options: TransactionOptions, work: (tx: SqlTransaction) => Promise<T>): Promise<T>;
  /** Closes the pool or file. */
  close(): Promise<void>;
}

/** Labels a driver error with the SQL that raised it, so the caller can name it. */
export class StatementError extends Error {
  override readonly name = 'StatementError';
  readonly label: string;
  constructor(label: string, cause: unknown) {
    super(`${label} failed`, { cause });
    this.label = label;
  }
}

/** Runs `fn` for `sql`; a driver error comes out wrapped with the SQL's label. */
export async function labelled<T>(sql: CompiledSql, signal: AbortSignal, fn: () => Promise<T> | T): Promise<T> {
  signal.throwIfAborted();
  try {
    return await fn();
  } catch (error) {
    throw new StatementError(sql.label, error);
  }
}

/** A 64-bit integer as a number when that loses nothing, else as its decimal text. */
export function safeNumber(value: bigint): number | string {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
}
