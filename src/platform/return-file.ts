/** An insurer return (ARL, NOEMIE RSP, DRE-ES return…) as handed to the flow that owns its transmission. */
export interface ReturnedFile {
  id: string;
  source: string;
  fileName: string;
  lotRef: string | null;
  transmissionId: string | null;
  flow: string | null;
  /** Decrypted, verified, unwrapped bytes. */
  content: Buffer | null;
  signature: string;
  /** Subject of the verified signer certificate. */
  signer: string | null;
}

/** Consumes the returns of one flow. Delivery is at least once: must be idempotent per return id. */
export type ReturnFileHandler = (file: ReturnedFile) => Promise<void>;
