/**
 * Port of the places insurer returns (ARL, NOEMIE RSP, DRE-ES returns…) are fetched from, and what the poller hands
 * to the caller's handler. Sources only list, read and acknowledge files; they never interpret them (the handler
 * decrypts, verifies, stores durably and routes by lot id).
 * IMAP/POP3 mailboxes are out of scope here: SFTP and a local/mounted directory only.
 */
import { randomBytes } from 'node:crypto';

/** A file waiting in a source. */
export interface ReturnEntry {
  /** Name inside the source directory (no path). */
  name: string;
  size: number;
  modifiedAt: Date;
}

/** One return file handed to the handler. */
export interface ReceivedReturnFile {
  name: string;
  content: Buffer;
  /** Name of the source it came from (e.g. `sftp:cpam-75`). */
  source: string;
  receivedAt: Date;
  /** Lot id parsed from the file name by the poller's `lotIdPattern`, when it matches. */
  lotId?: string;
}

/**
 * Stores the file durably (or decides it is junk) and resolves; the poller acknowledges the file only then.
 * Must be idempotent: delivery is at-least-once (e.g. the acknowledgement itself may fail after the handler
 * succeeded, and a restart forgets that).
 */
export type ReturnsHandler = (file: ReceivedReturnFile) => Promise<void>;

/** What to do with a file once handled. */
export type AcknowledgeMode = 'move-to-done' | 'delete';

/** A directory of returns, local or remote. */
export interface ReturnsSource {
  readonly name: string;
  /** Files ready to take (filtered: no directories, no temporary/hidden files, old enough). */
  list(): Promise<ReturnEntry[]>;
  read(entry: ReturnEntry): Promise<Buffer>;
  /** Moves the file to `done/` or deletes it, per configuration. */
  acknowledge(entry: ReturnEntry): Promise<void>;
  /** Called after each poll run: release what is not worth keeping between runs (e.g. an SSH connection). */
  release(): Promise<void>;
  close(): Promise<void>;
}

/** Filtering common to every source. */
export interface ReturnsFilterOptions {
  /** Only names matching this are taken (default: all). */
  include?: RegExp;
  /**
   * Names never taken. Default: hidden files and `.part`/`.tmp`/`.filepart` — what a sender writes before renaming
   * a finished file.
   */
  exclude?: RegExp;
  /**
   * Ignore files modified less than this long ago (default 0). For senders that write in place instead of
   * renaming: a file still being written is left for a later run.
   */
  minAgeMs?: number;
}

/** Default `exclude`: hidden files and temporary upload names. */
export const DEFAULT_RETURNS_EXCLUDE = /^\.|\.(part|tmp|filepart)$/i;

/** Name of the archive sub-directory for `move-to-done`. */
export const DONE_DIR = 'done';

/** RegExp.test without the state a `g`/`y` flag would carry between calls. */
function matches(re: RegExp, s: string): boolean {
  re.lastIndex = 0;
  return re.test(s);
}

/** Applies ReturnsFilterOptions; sorts by modification time then name, so older returns are handled first. */
export function selectReturnEntries(entries: ReturnEntry[], opts: ReturnsFilterOptions, now: Date): ReturnEntry[] {
  const exclude = opts.exclude ?? DEFAULT_RETURNS_EXCLUDE;
  const minAge = opts.minAgeMs ?? 0;
  return entries
    .filter((e) => !matches(exclude, e.name) && (!opts.include || matches(opts.include, e.name)))
    .filter((e) => now.getTime() - e.modifiedAt.getTime() >= minAge)
    .sort((a, b) => a.modifiedAt.getTime() - b.modifiedAt.getTime() || a.name.localeCompare(b.name));
}

/**
 * Name under `done/` for a file whose name is already archived there (some insurers reuse names, e.g. a daily
 * ARL file): never overwrite an archived return, suffix it with the time instead.
 */
export function archiveCollisionName(name: string, at: Date): string {
  return `${name}.${at.toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;
}
