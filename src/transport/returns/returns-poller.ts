/**
 * Polls returns sources every `intervalMs` and hands each file to the caller's handler, store-then-acknowledge:
 * the file is moved/deleted at the source ONLY after the handler resolved. A handler failure leaves the file where
 * it is, to be tried again next run, and is reported through `onError`.
 *
 * Runs never overlap: the next run is scheduled when the previous one ends (timer unref'd, so an idle poller does
 * not keep the process alive), `runOnce()` during a run joins it, and `stop()` waits for it. Files are handled one
 * at a time, oldest first. Delivery to the handler is at-least-once (see ReturnsHandler).
 */
import { type ReceivedReturnFile, type ReturnEntry, type ReturnsHandler, type ReturnsSource } from './returns-source';

/** Step at which a file or a source failed. */
export type ReturnsPollPhase = 'list' | 'read' | 'handle' | 'acknowledge' | 'release';

/** Reported through `onError`; names the source and file, never their content. */
export class ReturnsPollError extends Error {
  constructor(
    readonly phase: ReturnsPollPhase,
    readonly source: string,
    readonly fileName: string | undefined,
    cause: unknown,
  ) {
    super(`returns ${phase} failed on ${source}${fileName ? ` for ${fileName}` : ''}`, { cause });
    this.name = 'ReturnsPollError';
  }
}

/** Constructor options of ReturnsPoller. */
export interface ReturnsPollerOptions {
  sources: ReturnsSource[];
  handler: ReturnsHandler;
  intervalMs: number;
  /**
   * Extracts the lot id from a file name: the named group `lotId` if present, else the first group, else the whole
   * match. No match = no lotId (the handler routes by content instead).
   */
  lotIdPattern?: RegExp;
  /** Every failure (listing, reading, handler, acknowledgement). Pass one: otherwise failures are silent. */
  onError?: (err: ReturnsPollError) => void;
  now?: () => Date;
}

/** Counts of one run. */
export interface ReturnsRunSummary {
  /** Handled and acknowledged. */
  handled: number;
  /** Left at the source for the next run (read, handler or acknowledgement failure). */
  failed: number;
}

/** See file comment. */
export class ReturnsPoller {
  private timer?: NodeJS.Timeout;
  private current?: Promise<ReturnsRunSummary>;
  private started = false;
  private stopping = false;
  /** Files the handler stored but whose acknowledgement failed: next run only retries the acknowledgement. */
  private readonly storedNotAcked = new Set<string>();
  private readonly now: () => Date;

  constructor(private readonly opts: ReturnsPollerOptions) {
    if (!(opts.intervalMs > 0)) throw new Error('ReturnsPoller: intervalMs must be > 0');
    this.now = opts.now ?? (() => new Date());
  }

  /** Starts polling: a first run right away, then one `intervalMs` after the end of each run. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.schedule(0);
  }

  /** Stops scheduling, lets the current run finish its current file, and waits for it. */
  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.stopping = true;
    try {
      await this.current;
    } finally {
      this.stopping = false;
    }
  }

  /** Runs now; if a run is in progress, returns that run instead of starting another. */
  runOnce(): Promise<ReturnsRunSummary> {
    if (!this.current) {
      this.current = this.run().finally(() => {
        this.current = undefined;
      });
    }
    return this.current;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runOnce()
        .catch(() => undefined) // run() reports its own failures through onError
        .finally(() => {
          if (this.started && !this.timer) this.schedule(this.opts.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }

  private async run(): Promise<ReturnsRunSummary> {
    const summary: ReturnsRunSummary = { handled: 0, failed: 0 };
    for (const source of this.opts.sources) {
      if (this.stopping) break;
      try {
        const entries = await source.list();
        this.forgetVanished(source, entries);
        for (const entry of entries) {
          if (this.stopping) break;
          if (await this.take(source, entry)) summary.handled++;
          else summary.failed++;
        }
      } catch (err) {
        this.report('list', source, undefined, err);
      } finally {
        await source.release().catch((err) => this.report('release', source, undefined, err));
      }
    }
    return summary;
  }

  /** Read → handler → acknowledge one file; false when it stays at the source. */
  private async take(source: ReturnsSource, entry: ReturnEntry): Promise<boolean> {
    const key = this.key(source, entry);
    if (!this.storedNotAcked.has(key)) {
      let content: Buffer;
      try {
        content = await source.read(entry);
      } catch (err) {
        this.report('read', source, entry.name, err);
        return false;
      }
      const file: ReceivedReturnFile = {
        name: entry.name,
        content,
        source: source.name,
        receivedAt: this.now(),
        lotId: this.lotIdOf(entry.name),
      };
      try {
        await this.opts.handler(file);
      } catch (err) {
        this.report('handle', source, entry.name, err);
        return false;
      }
      this.storedNotAcked.add(key);
    }
    try {
      await source.acknowledge(entry);
      this.storedNotAcked.delete(key);
      return true;
    } catch (err) {
      this.report('acknowledge', source, entry.name, err);
      return false;
    }
  }

  private lotIdOf(name: string): string | undefined {
    const re = this.opts.lotIdPattern;
    if (!re) return undefined;
    re.lastIndex = 0;
    const m = re.exec(name);
    return m ? (m.groups?.lotId ?? m[1] ?? m[0]) : undefined;
  }

  /** Same name, size and mtime = same file (a new file reusing the name has another mtime). */
  private key(source: ReturnsSource, e: ReturnEntry): string {
    return `${source.name}\0${e.name}\0${e.size}\0${e.modifiedAt.getTime()}`;
  }

  /** Drops "stored, not acknowledged" marks of files no longer listed (acknowledged by someone else). */
  private forgetVanished(source: ReturnsSource, entries: ReturnEntry[]): void {
    const listed = new Set(entries.map((e) => this.key(source, e)));
    for (const key of this.storedNotAcked) {
      if (key.startsWith(`${source.name}\0`) && !listed.has(key)) this.storedNotAcked.delete(key);
    }
  }

  private report(phase: ReturnsPollPhase, source: ReturnsSource, fileName: string | undefined, err: unknown): void {
    try {
      this.opts.onError?.(new ReturnsPollError(phase, source.name, fileName, err));
    } catch {
      // A throwing error callback must not kill the polling loop.
    }
  }
}
