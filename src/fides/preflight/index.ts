/**
 * Pre-flight controls of FIDES invoices (issue 9 §2), pure code: the rule table, its runner, the worklist. The flow
 * gives the ports (latest CDRi answer, invoice-number registry) and stores the outcome.
 */
export { csvCell, toCsv } from './csv-writer';
export type { CsvOptions } from './csv-writer';
export { EXEMPTION_JUSTIFICATIONS, exemptionJustification } from './exemption-justifications';
export type { InvoiceNumberRegistryPort, LatestRightsAnswer, LatestRightsAnswerPort, RightsAnswerQuery } from './preflight-ports';
export type {
  PreflightContext,
  PreflightFinding,
  PreflightOutcome,
  PreflightResult,
  PreflightRule,
  PreflightSeverity,
} from './preflight-rule';
export { PREFLIGHT_RULES } from './preflight-rules';
export { WORKLIST_COLUMNS, worklistCsv, worklistRows } from './preflight-worklist';
export type { HeldInvoice, WorklistRow } from './preflight-worklist';
export { outcomeOf, rightsQueryFor, runPreflight } from './run-preflight';
