/**
 * Certificates, key providers and the (modelled) lot signature. Transport encryption lives in src/transport/cms
 * and builds on the same certificate checker and KeyProvider.
 */
export { CertificateError, CertificateErrorCode, type CertificateLabel, describeCertificate } from './certificate-error';
export { CmsError, type CmsErrorCode } from './cms-error';
export { type ParsedCertificate, parseCertificate, parseCertificates, pemBlocks, toPem } from './certificate-parser';
export {
  CertificateChecker,
  type CertificateCheckerOptions,
  type CertificateCheckOptions,
  type CertificateCheckResult,
  type CertificatePurpose,
} from './certificate-checker';
export type { HashAlgorithm, KeyProvider, KeyTransport, KeyTransportAlgorithm, SignatureAlgorithm, SignInput } from './key-provider';
export { SoftwareKeyProvider } from './software-key-provider';
export { loadPem, loadPemFiles, loadPkcs12, loadPkcs12File, type PemKeyFiles, type PemKeyMaterial } from './certificate-loader';
export {
  DEFAULT_LOT_SIGNATURE_OPTIONS,
  type LotSignatureOptions,
  type SignCmsParams,
  type SignedCms,
  type SignedCmsParts,
  type CmsSignatureStream,
  createCmsSignatureStream,
  signCms,
  signCmsParts,
} from './cms-signer';
export { type VerifiedCms, type VerifyCmsOptions, verifyCms } from './cms-verifier';
