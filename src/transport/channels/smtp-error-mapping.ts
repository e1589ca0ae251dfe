/**
 * Maps a nodemailer error to a ChannelError, from the SMTP reply class when there is one (RFC 5321: 5yz permanent,
 * 4yz transient) and from the socket-level cause otherwise. Messages carry codes, never message content.
 */
import type { NodemailerError } from 'nodemailer/lib/errors';
import { ChannelError } from './transmission-channel';

/** Socket errors that mean nothing reached the server: safe to retry, no repeat possible. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EDNS']);
/** Timeouts that happen before any mail transaction started. */
const EARLY_TIMEOUTS = new Set(['CONNECT_TIMEOUT', 'GREETING_TIMEOUT', 'UPGRADE_TIMEOUT']);

/** Duck-typed: errors raised inside Node's net/tls come from another realm under jest, so instanceof fails. */
function asNodemailerError(err: unknown): NodemailerError {
  return (typeof err === 'object' && err !== null && 'message' in err ? err : new Error(String(err))) as NodemailerError;
}

/** OpenSSL/Node codes of a server certificate that could not be verified (originalCode of an ESOCKET error). */
const CERT_FAILURE = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|^ERR_TLS|^ERR_SSL|HOSTNAME/;

/** Converts any error thrown by `sendMail`/`verify` into a ChannelError. */
export function mapSmtpError(raw: unknown): ChannelError {
  if (raw instanceof ChannelError) return raw;
  const err = asNodemailerError(raw);
  const code = err.code ?? '';
  const reply = err.responseCode;
  const where = `${code || 'ERROR'}${reply ? ` ${reply}` : ''}${err.command ? ` during ${err.command}` : ''}`;

  if (code === 'EAUTH' || code === 'ENOAUTH') {
    // 454 "temporary authentication failure" is worth a retry; 535 bad credentials is not.
    const transient = reply !== undefined && reply >= 400 && reply < 500;
    return new ChannelError('AUTH', `SMTP authentication failed (${where})`, transient, { cause: err });
  }
  if (code === 'ETLS' || code === 'EREQUIRETLS' || /STARTTLS/i.test(err.message) || CERT_FAILURE.test(err.originalCode ?? '')) {
    // A server that cannot prove its identity or will not encrypt is a configuration problem: never fall back.
    return new ChannelError('AUTH', `SMTP TLS could not be established (${where})`, false, { cause: err });
  }
  if (reply !== undefined && reply >= 400) {
    // nodemailer's own verdict (`permanent`) treats 503 "bad sequence" as transient, which we keep.
    const permanent = err.permanent ?? reply >= 500;
    return new ChannelError('REJECTED', `SMTP server ${permanent ? 'rejected' : 'deferred'} the lot (${where})`, !permanent, {
      cause: err,
    });
  }
  if (code === 'ETIMEDOUT') {
    const early = err.timeoutType !== undefined && EARLY_TIMEOUTS.has(err.timeoutType);
    return new ChannelError('TIMEOUT', `SMTP timed out (${err.timeoutType ?? where})`, true, {
      cause: err,
      deliveryUncertain: !early,
    });
  }
  const socketCode = err.originalCode ?? code;
  if (NOT_CONNECTED.has(socketCode)) {
    return new ChannelError('UNREACHABLE', `SMTP server unreachable (${socketCode})`, true, { cause: err });
  }
  // The connection died mid-session: if it was after the message data, the server may have queued it.
  return new ChannelError('UNREACHABLE', `SMTP connection failed (${where})`, true, {
    cause: err,
    deliveryUncertain: true,
  });
}
