/**
 * What a kind of plugin is, in one place: the fields its plugins.yaml entries
 * have (for an exporter and for an eraser), the JSON-safe source a request's
 * snapshot keeps, the checks the schema cannot make, and how its page
 * function is loaded. plugins/kinds/registry.ts lists the kinds, one line
 * each; manifest/ builds its schema and snapshots from that list.
 */
import type { z } from 'zod';
import type { PluginSnapshot } from '../../manifest/snapshot.ts';
import type { PluginFunction, PluginRole } from '../contract.ts';

/** A problem with one entry that only the kind can see: the field it is about (under the entry), and what to fix. */
export interface EntryProblem {
  field: string[];
  message: string;
}

/** Makes a page function from an entry's snapshot and source (the source is the kind's own). */
export type PluginFactory = (plugin: PluginSnapshot, source: never, role: PluginRole) => PluginFunction | Promise<PluginFunction>;

export interface PluginKind<K extends string, X extends z.ZodRawShape, E extends z.ZodRawShape, S extends { kind: K }> {
  kind: K;
  /** The entry fields of an exporter of this kind, besides the common ones (key, name, permissions…). */
  exporter: X;
  /** The same for an eraser. */
  eraser: E;
  /** The source a request keeps, from a validated entry; paths resolved against plugins.yaml's folder. */
  source(entry: z.output<z.ZodObject<X>> | z.output<z.ZodObject<E>>, dir: string): S;
  /** What the schema cannot check (a file that must exist, two fields of which exactly one is set). */
  check?(entry: z.output<z.ZodObject<X>> | z.output<z.ZodObject<E>>, dir: string): EntryProblem[];
  /** Its page function's factory, loaded when a request first calls such a plugin (drivers load only then). */
  load(): Promise<PluginFactory>;
}

/** Declares a kind (types inferred from its fields and its source). */
export function defineKind<K extends string, X extends z.ZodRawShape, E extends z.ZodRawShape, S extends { kind: K }>(
  kind: PluginKind<K, X, E, S>,
): PluginKind<K, X, E, S> {
  return kind;
}
