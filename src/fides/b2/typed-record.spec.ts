import { b2Layouts } from './layouts';
import { writeRecord } from './record-writer';
import { b2Record } from './typed-record';

describe('typed records', () => {
  it('builds a record the writer accepts; typos and wrong types fail to compile', () => {
    const r = b2Record('4M', {
      partnerNumber: '990000010',
      insuredNir: '2850375123456',
      insuredNirKey: '88',
      invoiceNumber: '260000001',
      sequence: '01',
      ccamCode: 'DEQP003',
      activityCode: '1',
    });
    expect(writeRecord(b2Layouts(), r.code, r.values).slice(42, 49)).toBe('DEQP003');
    const id = { partnerNumber: '990000010', insuredNir: '2850375123456', insuredNirKey: '88', invoiceNumber: '1' };
    // prettier-ignore
    // @ts-expect-error a misspelt field name does not compile
    b2Record('4S', { ...id, priorAgreementCode: '0', activityDomain: 'C', ghsNumbr: '1' });
    // prettier-ignore
    // @ts-expect-error a mandatory field left out does not compile
    b2Record('4S', { ...id, priorAgreementCode: '0' });
    // prettier-ignore
    // @ts-expect-error an amount is a number of cents, not a string
    b2Record('5', { ...id, lineRecordCount: 1, totalHospitalBase: '0', totalHospitalAmo: 0, totalFees: 0, totalFeesAmo: 0, totalPatientShare: 0, totalHospitalBilled: 0 });
  });
});
