/**
 * Content-encryption algorithms of transport files: AES-CBC (RFC 3565) for EnvelopedData and AES-GCM (RFC 5084)
 * for AuthEnvelopedData. @peculiar/asn1-cms 2.11 has no GCMParameters, so the class is declared here with the
 * asn1-schema decorators, exactly as RFC 5084 §3.2 defines it.
 */
import { AsnConvert, AsnProp, AsnPropTypes, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { CmsError } from '../../signing/cms-error';

/**
 * ```asn
 * GCMParameters ::= SEQUENCE {
 *   aes-nonce        OCTET STRING, -- recommended size is 12 octets
 *   aes-ICVlen       AES-GCM-ICVlen DEFAULT 12 }
 * ```
 */
export class GcmParameters {
  @AsnProp({ type: AsnPropTypes.OctetString })
  nonce: ArrayBuffer = new ArrayBuffer(0);

  @AsnProp({ type: AsnPropTypes.Integer, defaultValue: 12 })
  icvLen = 12;

  constructor(params: Partial<GcmParameters> = {}) {
    Object.assign(this, params);
  }
}

/** Content encryption we produce (AES-256 only: ANSSI-grade and the default of the modelled profile). */
export type ContentEncryption = 'aes-256-gcm' | 'aes-256-cbc';

/** An AES content-encryption algorithm as read from, or written to, an AlgorithmIdentifier. */
export interface CipherSpec {
  /** node:crypto cipher name, e.g. `aes-256-gcm`. */
  readonly name: string;
  readonly mode: 'cbc' | 'gcm';
  readonly keyLength: number;
  readonly iv: Buffer;
  /** GCM tag length in bytes (the ICV). */
  readonly tagLength?: number;
}

const AES = '2.16.840.1.101.3.4.1.';
// Received files may use any AES size; we only send AES-256.
const AES_OIDS: Readonly<Record<string, { name: string; mode: 'cbc' | 'gcm'; keyLength: number }>> = {
  [`${AES}2`]: { name: 'aes-128-cbc', mode: 'cbc', keyLength: 16 },
  [`${AES}22`]: { name: 'aes-192-cbc', mode: 'cbc', keyLength: 24 },
  [`${AES}42`]: { name: 'aes-256-cbc', mode: 'cbc', keyLength: 32 },
  [`${AES}6`]: { name: 'aes-128-gcm', mode: 'gcm', keyLength: 16 },
  [`${AES}26`]: { name: 'aes-192-gcm', mode: 'gcm', keyLength: 24 },
  [`${AES}46`]: { name: 'aes-256-gcm', mode: 'gcm', keyLength: 32 },
};

/** GCM tag we produce: the full 16 bytes (what OpenSSL writes too). */
export const GCM_TAG_LENGTH = 16;

/** AlgorithmIdentifier DER for a content encryption and its IV / nonce. */
export function contentEncryptionAlgorithmId(encryption: ContentEncryption, iv: Buffer): Buffer {
  const oid = Object.keys(AES_OIDS).find((k) => AES_OIDS[k].name === encryption);
  if (!oid) throw new CmsError('UNSUPPORTED', `content encryption ${encryption} is not supported`);
  const parameters =
    AES_OIDS[oid].mode === 'gcm'
      ? AsnConvert.serialize(new GcmParameters({ nonce: toArrayBuffer(iv), icvLen: GCM_TAG_LENGTH }))
      : AsnConvert.serialize(new OctetString(iv));
  return Buffer.from(AsnConvert.serialize(new AlgorithmIdentifier({ algorithm: oid, parameters })));
}

/** Reads a contentEncryptionAlgorithm; throws CmsError UNSUPPORTED for anything but AES-CBC / AES-GCM. */
export function parseContentEncryption(der: Uint8Array): CipherSpec {
  const alg = AsnConvert.parse(der, AlgorithmIdentifier);
  const known = AES_OIDS[alg.algorithm];
  if (!known) throw new CmsError('UNSUPPORTED', `content encryption ${alg.algorithm} is not accepted (AES required)`);
  if (!alg.parameters) throw new CmsError('MALFORMED', 'content encryption parameters are missing');
  if (known.mode === 'cbc') {
    const iv = Buffer.from(AsnConvert.parse(alg.parameters, OctetString).buffer);
    if (iv.length !== 16) throw new CmsError('MALFORMED', 'AES-CBC IV must be 16 bytes');
    return { ...known, iv };
  }
  const params = AsnConvert.parse(alg.parameters, GcmParameters);
  if (params.icvLen < 12 || params.icvLen > 16) throw new CmsError('UNSUPPORTED', `GCM tag of ${params.icvLen} bytes`);
  return { ...known, iv: Buffer.from(params.nonce), tagLength: params.icvLen };
}

function toArrayBuffer(buf: Buffer): ArrayBuffer {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length) as ArrayBuffer;
}
