import { type AmoOrganism, type AmoRightsAnswer } from '../amo-rights.port';

/** What the night lot reports to the admission desks: a change since the last known answer. */
export type RightsChange = 'NONE' | 'RIGHTS_CLOSED' | 'ORGANISM_CHANGED' | 'EXONERATION_LOST' | 'UNKNOWN_PATIENT';

const sameOrganism = (a?: AmoOrganism, b?: AmoOrganism) =>
  !!a && !!b && a.grandRegime === b.grandRegime && a.caisse === b.caisse && a.centre === b.centre && a.codeGestion === b.codeGestion;

/**
 * Compares tonight's answer with the previous known one (undefined for a patient never checked before).
 * Only transitions are reported, so a patient who stays unknown or closed is not listed again every night;
 * a first answer that is already closed or unknown is reported, since nobody has seen it yet.
 * When several changes happen at once the most blocking for an admission wins (closed, unknown, organism, exoneration).
 */
export function classifyChange(previous: AmoRightsAnswer | undefined, current: AmoRightsAnswer): RightsChange {
  if (current.status === 'CLOSED') return previous?.status === 'CLOSED' ? 'NONE' : 'RIGHTS_CLOSED';
  if (current.status === 'UNKNOWN_PATIENT') return previous?.status === 'UNKNOWN_PATIENT' ? 'NONE' : 'UNKNOWN_PATIENT';
  if (!previous || previous.status !== 'OPEN') return 'NONE';
  if (!sameOrganism(previous.organism, current.organism)) return 'ORGANISM_CHANGED';
  if (previous.exoneration && !current.exoneration) return 'EXONERATION_LOST';
  return 'NONE';
}
