/**
 * Dates: every date of care is a real day, inside the stay and not after today; the billing delay (RG_MF606) is
 * under one year. A care date outside the stay is a classic insurer reject (the act billed on the wrong venue).
 */
import { isIsoDate } from '../../../identifiers';
import { checkBillingDelay, type B2Record } from '../../b2';
import { hitAt, type PreflightRule, type RuleHit } from '../preflight-rule';

export const DATE_RULES: readonly PreflightRule[] = [
  {
    code: 'PF-STAY-DATES',
    field: 'stay',
    severity: 'error',
    // Missing dates are PF-MANDATORY's finding (B2 type 2 entryDate and exitDate are mandatory).
    message: '{field}: the stay (or consultation) dates are not real days, or end before they start',
    check: ({ draft: { stay } }) => {
      if (stay.start === undefined) return [];
      if (!isIsoDate(stay.start)) return [hitAt('stay.start')];
      if (stay.end !== undefined && (!isIsoDate(stay.end) || stay.end < stay.start)) return [hitAt('stay.end')];
      return [];
    },
  },
  {
    code: 'PF-CARE-DATE',
    field: 'lines[].careDate',
    severity: 'error',
    message: '{field}: the date of care is not a real day',
    check: ({ draft: d }) =>
      d.lines.flatMap((l, i) => (l.careDate === undefined || isIsoDate(l.careDate) ? [] : [hitAt(`lines[${i}].careDate`)])),
  },
  {
    code: 'PF-CARE-IN-STAY',
    field: 'lines[].careDate',
    severity: 'error',
    message: '{field}: the date of care is outside the stay (stay.start to stay.end)',
    check: ({ draft: d }) => {
      const { start, end } = d.stay;
      if (start === undefined || !isIsoDate(start)) return []; // PF-STAY-DATES says it
      return d.lines.flatMap((l, i) => {
        if (l.careDate === undefined || !isIsoDate(l.careDate)) return [];
        const after = end !== undefined && isIsoDate(end) && l.careDate > end;
        return l.careDate < start || after ? [hitAt(`lines[${i}].careDate`)] : [];
      });
    },
  },
  {
    code: 'PF-CARE-FUTURE',
    field: 'lines[].careDate',
    severity: 'error',
    message: '{field}: the date is after the day of transmission',
    check: ({ draft: d, ctx }) => {
      const out: RuleHit[] = [];
      if (d.stay.end !== undefined && isIsoDate(d.stay.end) && d.stay.end > ctx.today) out.push(hitAt('stay.end'));
      else if (d.stay.start !== undefined && isIsoDate(d.stay.start) && d.stay.start > ctx.today) out.push(hitAt('stay.start'));
      d.lines.forEach((l, i) => {
        if (l.careDate !== undefined && isIsoDate(l.careDate) && l.careDate > ctx.today) out.push(hitAt(`lines[${i}].careDate`));
      });
      return out;
    },
  },
  {
    code: 'PF-BILLING-DELAY',
    field: 'lines[].careDate',
    severity: 'error',
    message: '{field}: one year or more since this care (B2 rule RG_MF606); only the caisse can ask for it to be billed',
    // The B2 rule itself decides (one definition of "one year"): each dated line becomes the record it will be, its
    // date where RG_MF606 reads it — type 4 careDate, type 3 stayEndDate (the end of the stay for hospital services).
    check: ({ draft: d, ctx }) => {
      const dated: { path: string; record: B2Record }[] = [];
      d.lines.forEach((l, i) => {
        if (l.kind === 'hospital-service') {
          const end = d.stay.end ?? l.careDate;
          if (end !== undefined && isIsoDate(end))
            dated.push({
              path: d.stay.end !== undefined ? 'stay.end' : `lines[${i}].careDate`,
              record: { code: '3', values: { stayEndDate: end } },
            });
        } else if (l.careDate !== undefined && isIsoDate(l.careDate)) {
          dated.push({ path: `lines[${i}].careDate`, record: { code: '4', values: { careDate: l.careDate } } });
        }
      });
      const late = checkBillingDelay({ records: dated.map((x) => x.record) }, ctx.today);
      const paths = [...new Set(late.map((v) => dated[v.record ?? 0].path))];
      // Forced by the caisse: allowed, but still said, so the billing office sees why an old invoice left.
      return paths.map((path) => ({ field: path, severity: ctx.billingDelayForced === true ? 'warning' : undefined }));
    },
  },
];
