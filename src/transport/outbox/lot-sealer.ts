/**
 * Turns a plaintext lot into the file that travels: CMS SignedData (attached, our ORG SIGN seal) inside an
 * EnvelopedData / AuthEnvelopedData to the insurer's certificate, written into the spool.
 *
 * Both certificates are checked first, explicitly, before a single byte is read or written: an expired,
 * not-yet-valid, untrusted or wrong-purpose certificate must never produce a signed or encrypted lot (DOMAIN "what
 * must never happen"). The signing and encryption code checks them again — harmless, and it covers other callers.
 */
import { createHash } from 'node:crypto';
import { type CertificateCheckResult, type CertificateChecker } from '../../signing/certificate-checker';
import { type ParsedCertificate, parseCertificates } from '../../signing/certificate-parser';
import { type LotSignatureOptions, signCmsParts } from '../../signing/cms-signer';
import { type KeyProvider } from '../../signing/key-provider';
import { type TransportEncryptionOptions, encryptCms } from '../cms/cms-encryptor';
import { signAndEncryptFile } from '../cms/sign-encrypt-pipeline';
import { fsyncParentDir } from '../channels/local-atomic-file';
import { OutboxError } from './outbox-error';
import { type SpoolDigest, checkSpoolFile, writeSpoolFile } from './spool-file';

/** Constructor options of LotSealer. */
export interface LotSealerOptions {
  /** Our ORG SIGN key (purpose `seal`). */
  readonly seal: KeyProvider;
  /** Trust store for our seal and for the insurers' encryption certificates. */
  readonly checker: CertificateChecker;
  /** recipientId → PEM: the insurer's encryption certificate first, then optional intermediates. */
  readonly recipientCertificates: Readonly<Record<string, string>>;
  /** Signature profile; `detached` is refused: one physical file carries the lot and its seal. */
  readonly signature?: Partial<LotSignatureOptions>;
  /** Encryption profile (GCM → AuthEnvelopedData, CBC → EnvelopedData). */
  readonly encryption?: Partial<TransportEncryptionOptions>;
}

/** A recipient's certificate, checked for this use. */
export interface CheckedRecipient {
  readonly certificate: ParsedCertificate;
  readonly chain: readonly ParsedCertificate[];
  readonly sealCheck: CertificateCheckResult;
  readonly recipientCheck: CertificateCheckResult;
}

/** The plaintext lot: a file (streamed, any size) or bytes already in memory. */
export type LotSource = { readonly lotPath: string } | { readonly content: Buffer };

export class LotSealer {
  private readonly recipients = new Map<string, { certificate: ParsedCertificate; chain: ParsedCertificate[] }>();

  constructor(private readonly opts: LotSealerOptions) {
    if (opts.signature?.detached) throw new Error('LotSealer: a transmitted lot carries its seal (detached signatures are not sent)');
    for (const [id, pem] of Object.entries(opts.recipientCertificates)) {
      const [certificate, ...chain] = parseCertificates(pem);
      if (!certificate) throw new Error(`LotSealer: no certificate in the PEM of recipient "${id}"`);
      this.recipients.set(id, { certificate, chain });
    }
  }

  /** Throws OutboxError UNKNOWN_RECIPIENT or CertificateError; nothing is written. */
  check(recipientId: string, now: Date): CheckedRecipient {
    const recipient = this.recipients.get(recipientId);
    if (!recipient) throw new OutboxError('UNKNOWN_RECIPIENT', `no encryption certificate configured for recipient "${recipientId}"`);
    const { seal, checker } = this.opts;
    const sealCheck = checker.check(seal.certificate, { purpose: 'seal', now, chain: seal.chain });
    const recipientCheck = checker.check(recipient.certificate, { purpose: 'encryption-recipient', now, chain: recipient.chain });
    return { ...recipient, sealCheck, recipientCheck };
  }

  /** Signs, encrypts and writes `spoolPath` (fsync'd), then reads it back: size as announced, digest from disk. */
  async sealToSpool(lot: LotSource, spoolPath: string, recipient: CheckedRecipient, now: Date): Promise<SpoolDigest> {
    const { seal, checker } = this.opts;
    const signature = { signer: seal, checker, options: { ...this.opts.signature, detached: false } };
    const encryption = { recipient: recipient.certificate, recipientChain: recipient.chain, checker, options: this.opts.encryption };
    if ('lotPath' in lot) {
      // Streaming: a 50 MB lot is never held in memory (see sign-encrypt-pipeline.ts).
      const result = await signAndEncryptFile(lot.lotPath, spoolPath, { signature, encryption, now, durable: true });
      await fsyncParentDir(spoolPath);
      return checkSpoolFile(spoolPath, result.bytesOut);
    }
    const signed = await signCmsParts(lot.content, { ...signature, now });
    const { cms } = await encryptCms(signed.parts, { ...encryption, now });
    const sha256 = createHash('sha256').update(cms).digest('hex');
    await writeSpoolFile(spoolPath, [cms]);
    return checkSpoolFile(spoolPath, cms.length, sha256);
  }
}
