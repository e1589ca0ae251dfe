/**
 * The outgoing pipeline of a billing lot, file to file, in one streaming pass: the lot is read in fixed-size chunks,
 * each chunk is hashed for the SignedData and encrypted at once; the signature trailer is encrypted last. Memory stays
 * at one chunk whatever the lot size — no 50 MB buffer is ever allocated, which matters because touching fresh memory
 * (page faults) costs more than the AES and SHA-256 work on the VMs we measured (see bench/lot-crypto.bench.ts).
 *
 * This works because every length is known before the first byte: the lot's size from the file, the signature's from
 * the RSA modulus, the ciphertext's from the plaintext's (GCM: equal; CBC: next multiple of 16).
 * The output appears atomically: written to `<output>.part`, synced, then renamed.
 */
import { open, rename, rm } from 'node:fs/promises';
import { type CertificateCheckResult } from '../../signing/certificate-checker';
import { type SignCmsParams, createCmsSignatureStream } from '../../signing/cms-signer';
import { type EncryptCmsParams, createCmsEncryptionStream } from './cms-encryptor';

/** Signature and encryption settings of one lot; `now` serves both checks and the signing-time. */
export interface SignEncryptFileParams {
  readonly signature: Omit<SignCmsParams, 'now'>;
  readonly encryption: Omit<EncryptCmsParams, 'now'>;
  readonly now: Date;
  /** Bytes read per step (default 256 KiB). */
  readonly chunkSize?: number;
  /** fsync the output before renaming it into place (default true): the outbox must not announce a file still in cache. */
  readonly durable?: boolean;
}

/** What was written, and the certificate checks (warnings for metrics / health). */
export interface SignEncryptFileResult {
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly signerCheck: CertificateCheckResult;
  readonly recipientCheck: CertificateCheckResult;
}

/** Signs `inputPath` (attached SignedData) and encrypts the result to one recipient into `outputPath`. */
export async function signAndEncryptFile(
  inputPath: string,
  outputPath: string,
  params: SignEncryptFileParams,
): Promise<SignEncryptFileResult> {
  if (params.signature.options?.detached) {
    throw new Error('signAndEncryptFile produces one attached file: sign detached with signCms instead');
  }
  const chunkSize = params.chunkSize ?? 256 * 1024;
  const partPath = `${outputPath}.part`;
  const input = await open(inputPath, 'r');
  try {
    const { size } = await input.stat();
    const signature = createCmsSignatureStream(size, { ...params.signature, now: params.now });
    const encryption = createCmsEncryptionStream(signature.byteLength, { ...params.encryption, now: params.now });
    const output = await open(partPath, 'w');
    try {
      await output.write(encryption.header);
      await output.write(encryption.update(signature.header));
      const chunk = Buffer.allocUnsafe(chunkSize); // reused: hashing and encryption consume it synchronously
      const readAt = async (position: number): Promise<number> => {
        if (position >= size) return 0;
        const { bytesRead } = await input.read(chunk, 0, Math.min(chunkSize, size - position), position);
        if (bytesRead === 0) throw new Error(`${inputPath} shrank while being signed`);
        return bytesRead;
      };
      let bytesRead = await readAt(0);
      for (let done = 0; done < size;) {
        const view = chunk.subarray(0, bytesRead);
        signature.update(view);
        const ciphertext = encryption.update(view); // its own buffer: `chunk` is free again
        done += bytesRead;
        // Overlap: write this ciphertext while the next chunk is read (both run on libuv's thread pool).
        [, bytesRead] = await Promise.all([output.write(ciphertext), readAt(done)]);
      }
      // The announced lengths are already in the headers: a lot that grew meanwhile must fail, not be cut.
      if ((await input.read(chunk, 0, 1, size)).bytesRead !== 0) throw new Error(`${inputPath} grew while being signed`);
      await output.write(encryption.update(await signature.finish()));
      await output.write(encryption.final());
      if (params.durable ?? true) await output.sync();
    } finally {
      await output.close();
    }
    await rename(partPath, outputPath);
    return {
      bytesIn: size,
      bytesOut: encryption.byteLength,
      signerCheck: signature.certificateCheck,
      recipientCheck: encryption.certificateCheck,
    };
  } catch (err) {
    await rm(partPath, { force: true });
    throw err;
  } finally {
    await input.close();
  }
}
