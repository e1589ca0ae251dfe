/**
 * Opens an insurer return layer by layer: EnvelopedData / AuthEnvelopedData is decrypted with our key(s), SignedData
 * is verified (trust store, purpose `seal`) and unwrapped, in whatever order the insurer nested them; anything else
 * is the content. Never throws for a bad file: the outcome (and a typed reason) is returned, so the return is
 * stored with its error instead of being retried forever.
 * Error texts come from CmsError / CertificateError (structure, algorithms, certificate names): no content, no key.
 */
import { CertificateError } from '../../signing/certificate-error';
import { type CertificateChecker } from '../../signing/certificate-checker';
import { Oid } from '../../signing/cms-algorithm-codec';
import { CmsError } from '../../signing/cms-error';
import { verifyCms } from '../../signing/cms-verifier';
import { Tag, decodeOid, readTlv, tlvContent } from '../../signing/der-codec';
import { type KeyProvider } from '../../signing/key-provider';
import { decryptCms } from '../cms/cms-decryptor';
import { type SignatureStatus } from './inbound-return.store';

export interface UnwrapOptions {
  readonly keyProviders: KeyProvider | readonly KeyProvider[];
  readonly checker: CertificateChecker;
  /** When the return was received: the signer certificate must have been valid then. */
  readonly now: Date;
}

export interface UnwrappedReturn {
  encrypted: boolean;
  signature: SignatureStatus;
  signer: string | null;
  /** SHA-256 fingerprint of the verified signer certificate (uppercase hex, no colons): what pinning compares. */
  signerSha256: string | null;
  content: Buffer | null;
  error: string | null;
}

// Sign-then-encrypt is two layers; a little slack for an extra wrapping, but no unbounded recursion on crafted input.
const MAX_LAYERS = 4;

export async function unwrapReturn(raw: Buffer, opts: UnwrapOptions): Promise<UnwrappedReturn> {
  let content = raw;
  let encrypted = false;
  let signature: SignatureStatus = 'none';
  let signer: string | null = null;
  let signerSha256: string | null = null;
  for (let layer = 0; layer < MAX_LAYERS; layer++) {
    const type = cmsContentType(content);
    if (type === Oid.envelopedData || type === Oid.authEnvelopedData) {
      encrypted = true;
      try {
        // No certificate check on our own key: a late return encrypted to last year's certificate must still open.
        content = (await decryptCms(content, { keyProviders: opts.keyProviders })).content;
      } catch (err) {
        return { encrypted, signature, signer, signerSha256, content: null, error: `decryption failed: ${reason(err)}` };
      }
    } else if (type === Oid.signedData) {
      try {
        const verified = await verifyCms(content, { trustStore: opts.checker, now: opts.now, purpose: 'seal' });
        content = verified.content;
        signature = 'valid';
        signer = verified.signer.subject;
        signerSha256 = verified.signerCertificate.x509.fingerprint256.replace(/:/g, '');
      } catch (err) {
        const error = `signature verification failed: ${reason(err)}`;
        return { encrypted, signature: 'invalid', signer: null, signerSha256: null, content: null, error };
      }
    } else {
      break;
    }
  }
  return { encrypted, signature, signer, signerSha256, content, error: null };
}

/** contentType of a CMS ContentInfo, or undefined when the bytes are not one (a plain ARL, a NOEMIE file…). */
export function cmsContentType(buf: Buffer): string | undefined {
  try {
    if (buf.length < 12 || buf[0] !== Tag.SEQUENCE) return undefined;
    const outer = readOuterHeader(buf);
    const oid = readTlv(buf, outer, Math.min(buf.length, outer + 32));
    return oid.tag === Tag.OID ? decodeOid(tlvContent(buf, oid)) : undefined;
  } catch {
    return undefined;
  }
}

/** Offset of the first child of the outer SEQUENCE, without walking the (possibly 50 MB, BER) body. */
function readOuterHeader(buf: Buffer): number {
  const first = buf[1];
  if (first === 0x80) return 2; // indefinite length
  return first & 0x80 ? 2 + (first & 0x7f) : 2;
}

function reason(err: unknown): string {
  if (err instanceof CmsError || err instanceof CertificateError) return `${err.code}: ${err.message}`;
  // Anything else is unexpected; its text could come from anywhere, so only its kind is recorded.
  return err instanceof Error ? err.name : 'unknown error';
}
