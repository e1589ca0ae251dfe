import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type InboxStatus = 'accepted' | 'rejected';

/**
 * Every inbound HL7 message, stored with its raw bytes before any ACK leaves.
 * Accepted messages are unique on (sending application, sending facility, MSH-10): a repeat gets the stored ACK.
 * Rejected ones (AE/AR) are kept for audit but not deduplicated, so a corrected resend under the same MSH-10 is
 * processed (the unique index is partial, see the migration).
 */
@Entity({ name: 'inbox_message' })
export class InboxMessage {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'sending_application', type: 'text', nullable: true })
  sendingApplication!: string | null;

  @Column({ name: 'sending_facility', type: 'text', nullable: true })
  sendingFacility!: string | null;

  @Column({ name: 'control_id', type: 'text', nullable: true })
  controlId!: string | null;

  @Column({ name: 'message_type', type: 'text', nullable: true })
  messageType!: string | null;

  @Column({ type: 'text', nullable: true })
  event!: string | null;

  @Column({ type: 'bytea' })
  raw!: Buffer;

  @Column({ type: 'text' })
  charset!: string;

  @Column({ type: 'text' })
  status!: InboxStatus;

  @Column({ name: 'ack_code', type: 'text' })
  ackCode!: string;

  @Column({ type: 'bytea' })
  ack!: Buffer;

  @Column({ name: 'correlation_id', type: 'text' })
  correlationId!: string;

  /** Facts the follow-up work needs (event, patient ids, date of care…), so it never re-parses. */
  @Column({ type: 'jsonb', nullable: true })
  facts!: Record<string, unknown> | null;

  /** Set once the follow-up work (a CDRi check) has been queued; null = still to dispatch (outbox). */
  @Column({ name: 'dispatched_at', type: 'timestamptz', nullable: true })
  dispatchedAt!: Date | null;

  @CreateDateColumn({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;
}
