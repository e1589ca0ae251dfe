/**
 * The pre-flight rule table (issue 9 §2): every control an invoice passes before it may enter a lot, in the order
 * findings are reported. Adding a control is adding an entry here; run-preflight.ts needs no change.
 */
import type { PreflightRule } from './preflight-rule';
import { AMOUNT_RULES } from './rules/amounts.rules';
import { DATE_RULES } from './rules/dates.rules';
import { FIELD_RULES } from './rules/fields.rules';
import { IDENTITY_RULES } from './rules/identity.rules';
import { INVOICE_NUMBER_RULES } from './rules/invoice-number.rules';
import { RIGHTS_RULES } from './rules/rights.rules';

export const PREFLIGHT_RULES: readonly PreflightRule[] = [
  ...INVOICE_NUMBER_RULES,
  ...IDENTITY_RULES,
  ...FIELD_RULES,
  ...DATE_RULES,
  ...AMOUNT_RULES,
  ...RIGHTS_RULES,
];
