/**
 * The AMO organism and rights of the patient at each date of care, against the latest CDRi answer (issue 9 §2).
 * Wrong or stale rights data is the main cause of AMO rejects (CDRi cut them by about 40 %, DGOS), so an invoice
 * never leaves without an answer younger than the configured age: none or stale → the invoice waits for a new check
 * (`wait`); an answer that contradicts the invoice → held, with the reason as its own code.
 */
import { isIsoDate } from '../../../identifiers';
import type { InvoiceDraft } from '../../invoice-draft';
import { exemptionJustification } from '../exemption-justifications';
import type { LatestRightsAnswer } from '../preflight-ports';
import { hitAt, type PreflightRule, type PreflightRun, type RuleHit } from '../preflight-rule';
import { lineJustification } from './amounts.rules';

/** Each dated place of the invoice with its date of care: the lines, and the stay start when no line is dated. */
function careDates(d: InvoiceDraft): { path: string; date: string }[] {
  const out = d.lines.flatMap((l, i) =>
    l.careDate !== undefined && isIsoDate(l.careDate) ? [{ path: `lines[${i}].careDate`, date: l.careDate }] : [],
  );
  if (out.length === 0 && d.stay.start !== undefined && isIsoDate(d.stay.start)) out.push({ path: 'stay.start', date: d.stay.start });
  return out;
}

/** The configured age as a person would say it: whole days, else hours, else minutes. */
function age(ms: number): string {
  if (ms >= 86_400_000 && ms % 86_400_000 === 0) return `${ms / 86_400_000} d`;
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  return `${Math.round(ms / 60_000)} min`;
}

const covers = (p: { start: string; end?: string }, date: string): boolean => p.start <= date && (p.end === undefined || date <= p.end);

/** The answer when it is fresh enough to judge by; rules about its contents say nothing otherwise. */
async function usable(run: PreflightRun): Promise<LatestRightsAnswer | undefined> {
  const a = await run.rightsAnswer();
  return a !== undefined && run.ctx.now.getTime() - a.answeredAt.getTime() <= run.ctx.maxRightsAnswerAgeMs ? a : undefined;
}

export const RIGHTS_RULES: readonly PreflightRule[] = [
  {
    code: 'PF-CDRI-NONE',
    field: 'patient',
    severity: 'wait',
    message: '{field}: no CDRi rights answer for this patient yet: a rights check is needed before the invoice leaves',
    check: async (run) => (run.rightsAskable && (await run.rightsAnswer()) === undefined ? [hitAt('patient')] : []),
  },
  {
    code: 'PF-CDRI-STALE',
    field: 'patient',
    severity: 'wait',
    message: '{field}: the latest CDRi rights answer is older than {limit}: a new rights check is needed',
    check: async (run) => {
      const a = await run.rightsAnswer();
      const tooOld = a !== undefined && run.ctx.now.getTime() - a.answeredAt.getTime() > run.ctx.maxRightsAnswerAgeMs;
      return tooOld ? [hitAt('patient', { limit: age(run.ctx.maxRightsAnswerAgeMs) })] : [];
    },
  },
  {
    code: 'PF-CDRI-UNKNOWN-PATIENT',
    field: 'patient.insuredNir',
    severity: 'error',
    message: '{field}: the AMO does not know this beneficiary (latest CDRi answer)',
    check: async (run) => {
      if ((await usable(run))?.status !== 'UNKNOWN_PATIENT') return [];
      return [hitAt(run.draft.patient.beneficiaryNir !== undefined ? 'patient.beneficiaryNir' : 'patient.insuredNir')];
    },
  },
  {
    code: 'PF-CDRI-RIGHTS-CLOSED',
    field: 'lines[].careDate',
    severity: 'error',
    message: '{field}: the AMO rights are closed at this date of care (latest CDRi answer)',
    check: async (run) => {
      const a = await usable(run);
      if (a === undefined || a.status === 'UNKNOWN_PATIENT') return [];
      const dates = careDates(run.draft);
      if (a.status !== 'OPEN') return dates.length > 0 ? dates.map((c) => hitAt(c.path)) : [hitAt('patient')];
      return dates.filter((c) => !a.periods.some((p) => covers(p, c.date))).map((c) => hitAt(c.path));
    },
  },
  {
    code: 'PF-CDRI-ORGANISM',
    field: 'coverage.grandRegime',
    severity: 'error',
    // Régime and caisse decide where the invoice goes (one file per grand régime + caisse): a change sends it to a
    // caisse that rejects it. The centre is not compared: it does not route the file.
    message: '{field}: differs from the AMO organism in the latest CDRi answer (the organism changed)',
    check: async (run) => {
      const a = await usable(run);
      if (a === undefined || a.status !== 'OPEN') return [];
      const c = run.draft.coverage;
      const out: RuleHit[] = [];
      if (a.grandRegime !== undefined && c.grandRegime !== undefined && a.grandRegime !== c.grandRegime)
        out.push(hitAt('coverage.grandRegime'));
      if (a.caisse !== undefined && c.managingFund !== undefined && a.caisse !== c.managingFund) out.push(hitAt('coverage.managingFund'));
      return out;
    },
  },
  {
    code: 'PF-CDRI-EXONERATION',
    field: 'lines[].exemptionJustification',
    severity: 'error',
    message: '{field}: the exoneration claimed is not in the latest CDRi answer at this date of care',
    check: async (run) => {
      const a = await usable(run);
      if (a === undefined || a.status !== 'OPEN') return [];
      const d = run.draft;
      const confirmed = (code: string, date: string): boolean =>
        a.exonerations.some((e) => e.code === code && (e.end === undefined || date <= e.end));
      const out = new Set<string>();
      d.lines.forEach((l, i) => {
        const code = lineJustification(d, l)?.trim();
        if (code === undefined || !exemptionJustification(code).rights) return;
        const date = l.careDate !== undefined && isIsoDate(l.careDate) ? l.careDate : d.stay.start;
        if (date === undefined || confirmed(code, date)) return;
        // Point at where the claim was made: the line's own justification, else the invoice's.
        out.add(l.exemptionJustification?.trim() ? `lines[${i}].exemptionJustification` : 'coverage.exemptionJustification');
      });
      return [...out].map((f) => hitAt(f));
    },
  },
];
