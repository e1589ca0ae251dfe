import { Client } from 'pg';
import { eligibilityRequest } from '../support/fhir-requests';
import { type GatewayFixture, headersAs, startGatewayFixture } from '../support/gateway-process';
import { nirs, postCsv, tomorrow } from '../support/lot-helpers';

/**
 * Issue 8: a CSV lot with `31/02/1990` answered 500, left a "completed" lot with no item, and PostgreSQL's error text
 * (quoting the date) went to the log. A list is validated whole before anything is stored, an error names the line
 * and column (never the value), and the lot and its items are stored together or not at all.
 */
describe('lot creation is validated whole and atomic', () => {
  let fx: GatewayFixture;
  let db: Client;
  const list = nirs(3, 404);

  beforeAll(async () => {
    fx = await startGatewayFixture({ queue: 'redis', env: { CDRI_LOT_CRON: '', LOG_LEVEL: 'info' } });
    db = new Client({ connectionString: fx.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await fx?.close();
  });

  const lots = async () =>
    (await db.query(`SELECT (SELECT count(*) FROM cdri_lot)::int AS lots, (SELECT count(*) FROM cdri_lot_item)::int AS items`)).rows[0];

  it.each([
    ['a day that does not exist (31/02/1990)', 'birth_date', '31/02/1990', 'line 3, birth_date'],
    ['year 0000, which PostgreSQL refuses', 'birth_date', '01/01/0000', 'line 3, birth_date'],
    ['a date of care in year 0000', 'date_of_care', '0000-03-01', 'line 3, date_of_care'],
  ])('CSV with %s: 400 naming the line and column, nothing stored, the value nowhere', async (_, column, bad, expression) => {
    const rows = list.map((nir, i) => {
      const birth = column === 'birth_date' && i === 1 ? bad : '14/07/1980';
      const care = column === 'date_of_care' && i === 1 ? bad : tomorrow();
      return `${nir};${care};${birth}`;
    });
    const { status, task: outcome } = await postCsv(fx.gateway.baseUrl, ['nir;date_of_care;birth_date', ...rows].join('\n'));
    expect(status).toBe(400);
    expect(outcome).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'invalid', expression: [expression] }] });
    expect(JSON.stringify(outcome)).not.toContain(bad);
    expect(await lots()).toEqual({ lots: 0, items: 0 });
    expect(fx.gateway.logs.join('')).not.toContain(bad);
  });

  it('FHIR $submit-batch with a birth date that does not exist: 400 naming the entry, nothing stored', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: list.map((nir, i) => ({
        resource: eligibilityRequest(nir, { servicedDate: tomorrow(), birthDate: i === 2 ? '1990-02-31' : '1980-07-14' }),
      })),
    };
    const res = await fetch(`${fx.gateway.baseUrl}/fhir/CoverageEligibilityRequest/$submit-batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', ...headersAs('batch') },
      body: JSON.stringify(bundle),
    });
    expect(res.status).toBe(400);
    const outcome = (await res.json()) as { issue: Array<{ expression: string[] }> };
    expect(outcome.issue[0].expression).toEqual(['Bundle.entry[2].resource.contained.Patient.birthDate']);
    expect(await lots()).toEqual({ lots: 0, items: 0 });
    expect(fx.gateway.logs.join('')).not.toContain('1990-02-31');
  });

  it('a database refusal of one item stores neither the lot nor any item, and its text (with the NIR) stays out of the log', async () => {
    // A trigger refusing one patient, its message quoting the NIR as PostgreSQL messages quote values.
    const refused = list[1];
    await db.query(`CREATE FUNCTION refuse_item() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.nir = '${refused}' THEN RAISE EXCEPTION 'refused row for %', NEW.nir USING ERRCODE = '23514'; END IF; RETURN NEW; END $$`);
    await db.query(`CREATE TRIGGER refuse_item BEFORE INSERT ON cdri_lot_item FOR EACH ROW EXECUTE FUNCTION refuse_item()`);
    try {
      const { status } = await postCsv(fx.gateway.baseUrl, ['nir;date_of_care', ...list.map((n) => `${n};${tomorrow()}`)].join('\n'));
      expect(status).toBe(500);
      expect(await lots()).toEqual({ lots: 0, items: 0 });
      const logs = fx.gateway.logs.join('');
      expect(logs).toContain('"code":"23514"');
      expect(logs).not.toContain(refused);
    } finally {
      await db.query(`DROP TRIGGER refuse_item ON cdri_lot_item; DROP FUNCTION refuse_item()`);
    }
    // The same list, once the database takes it: one lot with all its items.
    const { status } = await postCsv(fx.gateway.baseUrl, ['nir;date_of_care', ...list.map((n) => `${n};${tomorrow()}`)].join('\n'));
    expect(status).toBe(202);
    expect(await lots()).toEqual({ lots: 1, items: 3 });
  });
});
