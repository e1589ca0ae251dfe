/**
 * Transport encryption of billing files (CMS EnvelopedData / AuthEnvelopedData, RSA-OAEP key transport), and the
 * streaming sign-then-encrypt pipeline of outgoing lots. Certificates and keys come from src/signing.
 */
export { type ContentEncryption, GcmParameters } from './content-encryption-codec';
export {
  type CmsEncryptionStream,
  DEFAULT_TRANSPORT_ENCRYPTION_OPTIONS,
  type EncryptCmsParams,
  type EncryptedCms,
  type TransportEncryptionOptions,
  createCmsEncryptionStream,
  encryptCms,
} from './cms-encryptor';
export { type DecryptCmsOptions, type DecryptedCms, decryptCms } from './cms-decryptor';
export { type SignEncryptFileParams, type SignEncryptFileResult, signAndEncryptFile } from './sign-encrypt-pipeline';
