import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { AmoRightsAnswer, RightsStatus } from './amo-rights.port';

export type RightsCheckState = 'pending' | 'answered' | 'failed';
export type RightsCheckSource = 'hl7' | 'fhir' | 'batch';

/**
 * One rights question to the AMO and its answer: who asked, when, what the insurer said, until when it holds.
 * Stored answers are history, never served as fresh: readers get `answeredAt` and `expiresAt` with them.
 */
@Entity({ name: 'rights_check' })
@Index('rights_check_nir_idx', ['nir', 'dateOfCare'])
export class RightsCheck {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  source!: RightsCheckSource;

  /** Kiosk id, HL7 sending application, or batch id. */
  @Column({ name: 'requested_by', type: 'text' })
  requestedBy!: string;

  /** Makes a repeated request (same HL7 message, same FHIR request id) yield the same check. */
  @Column({ name: 'idempotency_key', type: 'text', nullable: true, unique: true })
  idempotencyKey!: string | null;

  @Column({ name: 'correlation_id', type: 'text' })
  correlationId!: string;

  @Column({ type: 'text' })
  nir!: string;

  @Column({ name: 'assure_nir', type: 'text', nullable: true })
  assureNir!: string | null;

  @Column({ name: 'birth_date', type: 'date', nullable: true })
  birthDate!: string | null;

  @Column({ name: 'date_of_care', type: 'date' })
  dateOfCare!: string;

  @Column({ type: 'text' })
  finess!: string;

  @Column({ type: 'text' })
  state!: RightsCheckState;

  @Column({ name: 'rights_status', type: 'text', nullable: true })
  rightsStatus!: RightsStatus | null;

  @Column({ type: 'jsonb', nullable: true })
  answer!: AmoRightsAnswer | null;

  @Column({ name: 'error_code', type: 'text', nullable: true })
  errorCode!: string | null;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage!: string | null;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'requested_at', type: 'timestamptz' })
  requestedAt!: Date;

  @Column({ name: 'answered_at', type: 'timestamptz', nullable: true })
  answeredAt!: Date | null;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;
}
