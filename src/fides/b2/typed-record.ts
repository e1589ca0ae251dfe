/**
 * Builds a record with its values checked at compile time against the declarations (b2-record-types.generated.ts):
 * a misspelt field or a number where a code string is expected fails the build, not the billing run.
 */
import { type B2RecordValuesByCode, type NoemieRecordValuesByCode } from './b2-record-types.generated';
import { type B2Record } from './b2-values';

export function b2Record<C extends keyof B2RecordValuesByCode>(code: C, values: B2RecordValuesByCode[C]): B2Record {
  return { code, values };
}

export function noemieRecord<C extends keyof NoemieRecordValuesByCode>(code: C, values: NoemieRecordValuesByCode[C]): B2Record {
  return { code, values };
}
