/**
 * SMTP channel (ETS-DT-001 "transport des flux de facturation par messagerie SMTP"): one encrypted lot per message,
 * sent through nodemailer over implicit TLS or mandatory STARTTLS.
 *
 * Idempotency: SMTP gives the sender no way to ask "do you already have this?", so this channel cannot detect a
 * repeat itself. Every message carries `X-Passerelle-Idempotency-Key` (stable per lot) next to a per-attempt
 * Message-ID and `X-Passerelle-Attempt-Id`; the receiving side must drop a second message with the same key.
 * `alreadyDelivered` is therefore always false here, and errors after the message data was sent are flagged
 * `deliveryUncertain`.
 */
import * as nodemailer from 'nodemailer';
import type { SMTPTransportOptions } from 'nodemailer/lib/smtp-transport';
import type { SecureVersion } from 'node:tls';
import { lotContentSha256, lotContentSize } from './lot-content';
import { mapSmtpError } from './smtp-error-mapping';
import { buildLotMessage, lotMessageId } from './smtp-message';
import { assertValidLot, ChannelError, type OutgoingLot, type SendReceipt, type TransmissionChannel } from './transmission-channel';

/**
 * How the connection is protected. `tls`: TLS from the first byte (port 465). `starttls`: plain connect, then
 * STARTTLS is required — a server that does not offer it is refused. `insecure-plaintext`: no TLS at all, only for
 * local test servers (the lot is CMS-encrypted, but headers are not); refused together with `auth`.
 */
export type SmtpSecurity = 'tls' | 'starttls' | 'insecure-plaintext';

/** Constructor options of SmtpChannel (no environment reads: configuration is passed in). */
export interface SmtpChannelOptions {
  host: string;
  port: number;
  security: SmtpSecurity;
  /** Envelope sender and From header: the hospital's billing mailbox. */
  from: string;
  auth?: { user: string; pass: string };
  /** CA certificate(s) the server certificate must chain to (default: Node's bundled roots). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Name the server certificate must match, when `host` is an address (default: host). */
  servername?: string;
  /** Default TLSv1.2. */
  minTlsVersion?: SecureVersion;
  /** EHLO name. */
  clientName?: string;
  /** Right-hand side of Message-IDs; default `passerelle`. */
  messageIdDomain?: string;
  /** TCP connect; default 30 s. */
  connectionTimeoutMs?: number;
  /** Server greeting; default 30 s. */
  greetingTimeoutMs?: number;
  /** Inactivity during the session (covers waiting for the final reply after DATA); default 120 s. */
  socketTimeoutMs?: number;
  /** Clock, for tests. */
  now?: () => Date;
}

/** Sends each lot as one S/MIME-style message through a non-pooled nodemailer SMTP transport. */
export class SmtpChannel implements TransmissionChannel {
  readonly name = 'smtp' as const;
  private readonly transporter: nodemailer.Transporter;
  private readonly messageIdDomain: string;
  private readonly now: () => Date;

  constructor(private readonly opts: SmtpChannelOptions) {
    if (opts.security === 'insecure-plaintext' && opts.auth) {
      throw new Error('SmtpChannel: refusing to send credentials without TLS');
    }
    this.messageIdDomain = opts.messageIdDomain ?? 'passerelle';
    if (!/^[A-Za-z0-9.-]+$/.test(this.messageIdDomain)) throw new Error('SmtpChannel: invalid messageIdDomain');
    this.now = opts.now ?? (() => new Date());
    this.transporter = nodemailer.createTransport(this.transportOptions());
  }

  private transportOptions(): SMTPTransportOptions {
    const o = this.opts;
    const plaintext = o.security === 'insecure-plaintext';
    return {
      host: o.host,
      port: o.port,
      secure: o.security === 'tls',
      requireTLS: o.security === 'starttls',
      ignoreTLS: plaintext,
      auth: o.auth ? { user: o.auth.user, pass: o.auth.pass } : undefined,
      name: o.clientName,
      connectionTimeout: o.connectionTimeoutMs ?? 30_000,
      greetingTimeout: o.greetingTimeoutMs ?? 30_000,
      socketTimeout: o.socketTimeoutMs ?? 120_000,
      // A fresh connection per lot: lots are few and large, and a broken pooled connection would blur error mapping.
      tls: plaintext
        ? undefined
        : { ca: o.ca, servername: o.servername, minVersion: o.minTlsVersion ?? 'TLSv1.2', rejectUnauthorized: true },
      logger: false,
      debug: false,
    };
  }

  /** Sends the lot as one message; rejects with a ChannelError (see smtp-error-mapping.ts). */
  async send(lot: OutgoingLot): Promise<SendReceipt> {
    assertValidLot(lot);
    if (!/^[^\s<>@",;]+@[^\s<>@",;]+$/.test(lot.recipient)) {
      throw new ChannelError('INVALID_LOT', 'recipient must be one plain e-mail address', false);
    }
    const size = await lotContentSize(lot.content);
    const contentSha256 = await lotContentSha256(lot.content);
    const raw = buildLotMessage(lot, {
      from: this.opts.from,
      messageIdDomain: this.messageIdDomain,
      contentSha256,
      date: this.now(),
    });
    try {
      const info = await this.transporter.sendMail({
        envelope: { from: this.opts.from, to: [lot.recipient] },
        raw,
      });
      const rejected = (info as { rejected?: unknown[] }).rejected ?? [];
      if (rejected.length > 0) throw new ChannelError('REJECTED', 'SMTP server rejected the recipient', false);
      return {
        channel: 'smtp',
        remoteId: lotMessageId(lot.attemptId, this.messageIdDomain),
        acceptedAt: this.now(),
        alreadyDelivered: false,
        size,
        serverResponse: typeof info.response === 'string' ? info.response : undefined,
      };
    } catch (err) {
      raw.destroy();
      throw mapSmtpError(err);
    }
  }

  /** Connects, upgrades/authenticates as configured, and quits. */
  async ping(): Promise<boolean> {
    return (await this.check()) === undefined;
  }

  /** Same as ping, but says why it failed (for health endpoints and operators). */
  async check(): Promise<ChannelError | undefined> {
    try {
      await this.transporter.verify();
      return undefined;
    } catch (err) {
      return mapSmtpError(err);
    }
  }

  async close(): Promise<void> {
    this.transporter.close();
  }
}
