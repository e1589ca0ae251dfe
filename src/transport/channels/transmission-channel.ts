/**
 * Port of the channels that carry an already signed + encrypted billing lot to an insurer.
 *
 * The transmission outbox records a lot, then calls `send` once per attempt with a fresh `attemptId` and the lot's
 * stable `idempotencyKey`. A crash between "sent" and "recorded as sent" makes the outbox send again, so every
 * channel puts the idempotency key where the receiver sees it (SMTP header, remote/local file name) and, where it
 * can look, detects a repeat itself and answers `alreadyDelivered` instead of sending twice.
 * Channels never log or inspect lot content: it is opaque, encrypted bytes.
 */

/** Channel identifiers, also the `channel` of a receipt. */
export type ChannelName = 'smtp' | 'sftp' | 'file-drop';

/**
 * Bytes of a lot: in memory, or a local file for lots too large to hold in memory (streamed, never loaded whole).
 * The file must not change while a send is running.
 */
export type LotContent = Buffer | { path: string };

/** One attempt at sending one lot. */
export interface OutgoingLot {
  lotId: string;
  /** Unique per attempt: SMTP Message-ID, name of the temporary remote file. */
  attemptId: string;
  /** Stable per lot across attempts: what the receiver (and the channel) use to drop a repeat. */
  idempotencyKey: string;
  /** Name of the physical file (one logical file per physical file, arrêté of 31/12/2014). */
  fileName: string;
  content: LotContent;
  /** e.g. `application/pkcs7-mime; smime-type=enveloped-data` (no `name` parameter: the channel adds it). */
  contentType: string;
  /**
   * Channel-specific address. SMTP: the insurer's mailbox. SFTP / file drop: a sub-directory under the configured
   * base directory, `''` for the base itself.
   */
  recipient: string;
}

/** What a channel answers when the receiver has the lot. */
export interface SendReceipt {
  channel: ChannelName;
  /** SMTP: our Message-ID (`<attemptId@domain>`); SFTP / file drop: the final path of the file. */
  remoteId: string;
  acceptedAt: Date;
  /**
   * true when the channel found the lot already delivered under its idempotency key (a repeat after a crash)
   * and did not send it again. remoteId then names what is already there.
   */
  alreadyDelivered: boolean;
  /** Bytes of the lot as sent (before any transfer encoding). */
  size: number;
  /** The server's own acceptance text when it gives one (SMTP final 250 reply, with its queue id). */
  serverResponse?: string;
}

/**
 * Why a send failed. `UNREACHABLE`, `TIMEOUT` and `REJECTED` map the brief; two codes were added because the
 * outbox must treat them differently from a refusal: `CONFLICT` (the idempotency key is already used by a
 * different file — never overwrite, a human must look) and `INVALID_LOT` (the lot itself is unusable, e.g. a file
 * name with a path separator: a bug upstream, retrying cannot help).
 */
export type ChannelErrorCode = 'UNREACHABLE' | 'REJECTED' | 'TIMEOUT' | 'AUTH' | 'CONFLICT' | 'INVALID_LOT';

/** Error thrown by `send`. The outbox retries `transient` ones with backoff and parks the others for a human. */
export class ChannelError extends Error {
  /**
   * true when the lot may have reached the receiver although the send failed (e.g. the connection dropped after
   * the whole SMTP DATA was sent, or during the final SFTP rename): a retry may create a repeat that the receiver
   * has to drop by idempotency key. The outbox should log it.
   */
  readonly deliveryUncertain: boolean;

  constructor(
    readonly code: ChannelErrorCode,
    message: string,
    readonly transient: boolean,
    options: { cause?: unknown; deliveryUncertain?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ChannelError';
    this.deliveryUncertain = options.deliveryUncertain ?? false;
  }
}

/** A way to hand a lot to an insurer. One instance per destination configuration. */
export interface TransmissionChannel {
  readonly name: ChannelName;
  /** Resolves once the receiver has accepted the lot (or already had it); rejects with a ChannelError. */
  send(lot: OutgoingLot): Promise<SendReceipt>;
  /** Whether the destination is reachable and accepts our credentials now. Never throws. */
  ping(): Promise<boolean>;
  /** Releases connections; in-flight sends are allowed to fail. */
  close(): Promise<void>;
}

/**
 * Identifiers end up in mail headers, file names and remote paths: a conservative token keeps header injection
 * and path traversal out by construction (no CR/LF, no `/`, no leading dot, no `..`).
 */
const SAFE_TOKEN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
/** Sub-directory of a file-based recipient: safe tokens joined by `/`. */
const SAFE_SUBDIR = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

/** Throws INVALID_LOT unless lot identifiers and file name are safe tokens (see SAFE_TOKEN). */
export function assertValidLot(lot: OutgoingLot): void {
  for (const field of ['lotId', 'attemptId', 'idempotencyKey', 'fileName'] as const) {
    const value = lot[field];
    if (typeof value !== 'string' || !SAFE_TOKEN.test(value) || value.includes('..')) {
      throw new ChannelError('INVALID_LOT', `${field} must match ${SAFE_TOKEN} without ".."`, false);
    }
  }
  if (!Buffer.isBuffer(lot.content) && typeof lot.content?.path !== 'string') {
    throw new ChannelError('INVALID_LOT', 'content must be a Buffer or { path }', false);
  }
  if (typeof lot.contentType !== 'string' || !/^[\x20-\x7e]+$/.test(lot.contentType)) {
    throw new ChannelError('INVALID_LOT', 'contentType must be printable ASCII on one line', false);
  }
}

/** Validates the `recipient` of a file-based channel and returns it as relative path segments ('' = base). */
export function recipientSubdir(lot: OutgoingLot): string[] {
  if (lot.recipient === '' || lot.recipient === '.') return [];
  if (!SAFE_SUBDIR.test(lot.recipient) || lot.recipient.split('/').includes('..')) {
    throw new ChannelError('INVALID_LOT', 'recipient must be a relative sub-directory of safe names', false);
  }
  return lot.recipient.split('/');
}

/**
 * Default final name of a file-based delivery: `<idempotencyKey>__<fileName>`. The key in the name is what makes a
 * repeat visible (to us: the name exists; to the receiver: same key twice). Receivers that impose their own naming
 * can be served with the `remoteName` option of the file channels, as long as the name stays unique per key.
 */
export function defaultRemoteName(lot: OutgoingLot): string {
  return `${lot.idempotencyKey}__${lot.fileName}`;
}

/** Name of the temporary file of one attempt: never the final name, so a partial file is never picked up. */
export function partName(finalName: string, attemptId: string): string {
  return `${finalName}.${attemptId}.part`;
}

/** Name of the optional sidecar describing a delivered file (lot id, attempt id, size, digest). */
export function metaSidecarName(finalName: string): string {
  return `${finalName}.meta.json`;
}
