import { type RetentionRule } from '../persistence/retention';

/** A NIR inside a stored HL7 message (raw bytes, any charset we accept writes digits the same way). */
const NIR_IN = (column: string) => `position(convert_to($1, 'UTF8') IN ${column}) > 0`;

/**
 * Retention of the HL7 plumbing's tables. The raw message is only needed until every flow has followed it up and a
 * sender might still resend it (the stored ACK answers a resend): a month covers a GAP's replay window and an
 * incident's investigation. After that the flows' own rows (rights checks, planned encounters) are the record.
 */
export const HL7_RETENTION: RetentionRule[] = [
  {
    kind: 'hl7-raw',
    description: 'Inbound HL7 messages (raw bytes, parsed facts with NIR, names, birth date) once followed up',
    defaultDays: 30,
    table: 'inbox_message',
    ageColumn: 'received_at',
    // Accepted messages not yet dispatched to the flows are never old.
    where: `dispatched_at IS NOT NULL OR status = 'rejected'`,
    // $2 is the keyed pseudonym of the NIR: the only way to find a patient's rows once raw and facts are encrypted.
    erasure: {
      where: `nir_pseudonym = $2 OR facts->>'nir' = $1 OR facts->>'patientNir' = $1 OR facts->>'insuredNir' = $1 OR ${NIR_IN('raw')}`,
    },
  },
  {
    kind: 'hl7-outbound',
    description: 'HL7 messages sent to the GAP (rights-change A08 with NIR and name) once delivered or given up',
    defaultDays: 30,
    table: 'outbound_message',
    ageColumn: 'created_at',
    where: `state <> 'pending'`,
    erasure: { where: NIR_IN('payload') },
  },
  {
    kind: 'hl7-conflicts',
    description: 'HL7 messages refused for reusing an accepted MSH-10 with other content (raw bytes), kept for audit',
    defaultDays: 30,
    table: 'hl7_id_conflict',
    ageColumn: 'received_at',
    erasure: { where: `nir_pseudonym = $2 OR ${NIR_IN('raw')}` },
  },
  {
    kind: 'hl7-parked',
    description: 'HL7 messages whose handling kept failing (raw bytes of the parked ones), counted then parked for an operator',
    defaultDays: 30,
    table: 'hl7_parked_message',
    ageColumn: 'last_seen_at',
    erasure: { where: `nir_pseudonym = $2 OR ${NIR_IN('raw')}` },
  },
];
