/**
 * Seals a return with the AMO's signing certificate (CMS SignedData, src/signing), encrypts it to the hospital's
 * decryption certificate (src/transport/cms), and drops it into the returns folder atomically: written to a
 * dot-prefixed temporary name in the same folder, synced, then renamed — the poller never sees half a file.
 */
import { open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CertificateChecker, type KeyProvider, type ParsedCertificate, signCmsParts } from '../../signing';
import { encryptCms } from '../../transport/cms';

export interface ReturnWriterOptions {
  readonly signer: KeyProvider;
  readonly recipient: ParsedCertificate;
  readonly returnsDir: string;
}

export class AmoReturnWriter {
  /**
   * Our own certificates are configured explicitly: they anchor their own check (dates, key size and purpose are
   * still checked — the recipient must allow keyEncipherment, the signer digitalSignature/nonRepudiation).
   */
  private readonly checker: CertificateChecker;

  constructor(private readonly opts: ReturnWriterOptions) {
    this.checker = new CertificateChecker({ trustStore: [opts.signer.certificate, opts.recipient] });
  }

  /**
   * Throws a CertificateError now rather than at the first return when a certificate cannot serve: the signer must be
   * a seal (digitalSignature/nonRepudiation), the recipient must allow keyEncipherment, both valid at `now`.
   */
  checkCertificates(now: Date): void {
    this.checker.check(this.opts.signer.certificate, { purpose: 'seal', now });
    this.checker.check(this.opts.recipient, { purpose: 'encryption-recipient', now });
  }

  /** Sealed and encrypted bytes of one return (plaintext: latin1, as B2 and NOEMIE are). */
  async seal(text: string, now: Date): Promise<Buffer> {
    const signed = await signCmsParts(Buffer.from(text, 'latin1'), { signer: this.opts.signer, checker: this.checker, now });
    return (await encryptCms(signed.parts, { recipient: this.opts.recipient, checker: this.checker, now })).cms;
  }

  /** Writes `bytes` as `<returnsDir>/<fileName>` atomically. */
  async drop(fileName: string, bytes: Buffer): Promise<void> {
    const final = join(this.opts.returnsDir, fileName);
    const tmp = join(this.opts.returnsDir, `.${fileName}.${process.pid}.${Date.now()}.tmp`);
    try {
      const fh = await open(tmp, 'wx');
      try {
        await fh.writeFile(bytes);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, final);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  /** Whether `<returnsDir>/<fileName>` is still there (not yet consumed by the poller). */
  async present(fileName: string): Promise<boolean> {
    return stat(join(this.opts.returnsDir, fileName)).then(
      () => true,
      () => false,
    );
  }
}
