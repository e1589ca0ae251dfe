/**
 * What the billing office does about a reject, by NOEMIE reject code — MODELLED, NOT CERTIFIED: the real motive
 * catalogue (GIE SESAM-Vitale ETS-DT-003) is not public. These codes are the ones our AMO simulator answers with;
 * an unknown code gets the generic action, so a real catalogue only adds rows.
 */
export interface RejectAction {
  /** Short label of the motive (the RSP's own wording is shown beside it). */
  readonly label: string;
  /** What to do, for the person working the rejects worklist. */
  readonly action: string;
}

export const REJECT_ACTIONS: Readonly<Record<string, RejectAction>> = {
  DF001: {
    label: 'AMO rights closed at the date of care',
    action: 'Run a CDRi rights check for the date of care; bill the new organism, or the patient when no rights were open.',
  },
  PI001: {
    label: 'Patient unknown to the caisse',
    action: 'Check the NIR and rank on the carte Vitale or the CDRi answer; correct the invoice and send it again (new version).',
  },
  CG001: {
    label: 'Not this caisse',
    action: 'Run a CDRi check: the patient depends on another caisse; correct the organism and send the invoice again.',
  },
  EX001: {
    label: 'Exoneration not justified',
    action: 'Check the ALD / exoneration in the CDRi answer; correct the exoneration code and the rate, then send again.',
  },
  DS001: {
    label: 'Duplicate invoice',
    action: 'Look for the invoice already paid under another number; cancel this one in the GAP if it is a true duplicate.',
  },
  DT001: {
    label: 'Billing delay exceeded',
    action: 'Check the date of care against the billing delay; a late invoice is lost to the AMO: bill the patient or write it off.',
  },
};

export const DEFAULT_REJECT_ACTION: RejectAction = {
  label: 'Other motive',
  action: "Read the caisse's wording and the motives of the ClaimResponse; correct the invoice and send a new version, or ask the caisse.",
};

export function rejectActionOf(code: string | null): RejectAction {
  return (code && REJECT_ACTIONS[code]) || DEFAULT_REJECT_ACTION;
}
