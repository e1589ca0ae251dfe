/**
 * Runs the rule table over one invoice draft. Deterministic: the rules run in table order, each rule's hits in the
 * order it found them, and the only I/O is through the context's ports (the CDRi answer is asked once per run).
 *
 * Outcome precedence: held > needs-rights-check > ready. An invoice with an error needs a person to correct it and
 * comes back as a new version, which runs pre-flight again; asking CDRi now about data known to be wrong (perhaps
 * the NIR itself) would spend an insurer call for nothing. Warnings never stop an invoice.
 */
import { isIsoDate, validateNir } from '../../identifiers';
import type { InvoiceDraft } from '../invoice-draft';
import type { LatestRightsAnswer, RightsAnswerQuery } from './preflight-ports';
import type {
  MessageParams,
  PreflightContext,
  PreflightFinding,
  PreflightOutcome,
  PreflightResult,
  PreflightRule,
  PreflightRun,
  RuleHit,
} from './preflight-rule';
import { PREFLIGHT_RULES } from './preflight-rules';
import { earliestCareDate, fullNir } from './rules/identity.rules';

function render(rule: PreflightRule, field: string, hit: RuleHit): string {
  return rule.message.replace(/\{(field|record|b2Field|limit|detail)\}/g, (_, name: string) =>
    name === 'field' ? field : (hit.params?.[name as keyof MessageParams] ?? ''),
  );
}

/** The beneficiary's NIR + key to ask CDRi about, when both NIRs given are valid. */
function rightsQueryNirs(d: InvoiceDraft): { beneficiaryNir: string; insuredNir?: string } | undefined {
  const insured = fullNir(d.patient.insuredNir, d.patient.insuredNirKey);
  if (!validateNir(insured).ok) return undefined;
  if (d.patient.beneficiaryNir === undefined) return { beneficiaryNir: insured };
  const own = fullNir(d.patient.beneficiaryNir, d.patient.beneficiaryNirKey);
  return validateNir(own).ok ? { beneficiaryNir: own, insuredNir: insured } : undefined;
}

/**
 * What to ask CDRi about for this invoice — the caller queues a check with it when the outcome is
 * needs-rights-check, so the check answers exactly the question pre-flight will look up. Undefined when the NIRs or
 * dates are too broken to ask (the invoice is held then).
 */
export function rightsQueryFor(draft: InvoiceDraft): RightsAnswerQuery | undefined {
  const nirs = rightsQueryNirs(draft);
  const dateOfCare = earliestCareDate(draft);
  return nirs === undefined || dateOfCare === undefined ? undefined : { finess: draft.geographicFiness, ...nirs, dateOfCare };
}

function makeRun(draft: InvoiceDraft, ctx: PreflightContext): PreflightRun {
  const query = rightsQueryFor(draft);
  let answer: Promise<LatestRightsAnswer | undefined> | undefined;
  return {
    draft,
    ctx,
    rightsAskable: query !== undefined,
    rightsAnswer: () => {
      if (query === undefined) return Promise.resolve(undefined);
      answer ??= ctx.rights.latestRightsAnswer(query);
      return answer;
    },
  };
}

export function outcomeOf(findings: readonly Pick<PreflightFinding, 'severity'>[]): PreflightOutcome {
  if (findings.some((f) => f.severity === 'error')) return 'held';
  if (findings.some((f) => f.severity === 'wait')) return 'needs-rights-check';
  return 'ready';
}

export async function runPreflight(
  draft: InvoiceDraft,
  ctx: PreflightContext,
  rules: readonly PreflightRule[] = PREFLIGHT_RULES,
): Promise<PreflightResult> {
  // The caller's clock, not the invoice's data: a bad one is a wiring bug, not a finding.
  if (!isIsoDate(ctx.today)) throw new Error('runPreflight: ctx.today must be a YYYY-MM-DD day');
  const run = makeRun(draft, ctx);
  const findings: PreflightFinding[] = [];
  // One rule after the other, not in parallel: the order of findings (and of port calls) is then always the same.
  for (const rule of rules) {
    for (const hit of await rule.check(run)) {
      const field = hit.field ?? rule.field;
      findings.push({ code: rule.code, field, severity: hit.severity ?? rule.severity, message: render(rule, field, hit) });
    }
  }
  return { outcome: outcomeOf(findings), findings };
}
