import { ConfigError, loadConfig, readDefaults } from './load-config';

const defaults = readDefaults();

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig({ FIDES_ENABLED: 'true', ...env }, defaults);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('FIDES lots configuration', () => {
  it('defaults: 1000 invoices a lot, cut-off 18:00 in Paris, ARL alert after 48 h, emitter = ESTABLISHMENT_FINESS', () => {
    const lots = loadConfig({ FIDES_ENABLED: 'true', ESTABLISHMENT_FINESS: '990000028' }, defaults).fides?.lots;
    expect(lots).toMatchObject({
      emitterFiness: '990000028',
      maxInvoicesPerLot: 1000,
      cutoff: '18:00',
      timeZone: 'Europe/Paris',
      arlAlertHours: 48,
      recipientsFile: undefined,
      testIndicator: 'T',
    });
    expect(lots?.cutoffByFiness.size).toBe(0);
  });

  it('reads the emitter, per-establishment cut-offs and the size', () => {
    const lots = loadConfig(
      {
        FIDES_ENABLED: 'true',
        FIDES_EMITTER_FINESS: '990000010',
        FIDES_LOT_CUTOFF_BY_FINESS: '990000028=17:30, 750712184=20:00',
        FIDES_MAX_INVOICES_PER_LOT: '250',
      },
      defaults,
    ).fides?.lots;
    expect(lots?.emitterFiness).toBe('990000010');
    expect([...(lots?.cutoffByFiness ?? [])]).toEqual([
      ['990000028', '17:30'],
      ['750712184', '20:00'],
    ]);
    expect(lots?.maxInvoicesPerLot).toBe(250);
  });

  it('names every bad variable', () => {
    expect(
      problems({
        FIDES_EMITTER_FINESS: '123',
        FIDES_LOT_CUTOFF: '25:00',
        FIDES_LOT_CUTOFF_BY_FINESS: '990000028=7h',
        FIDES_LOT_TIMEZONE: 'Mars/Olympus',
        FIDES_RECIPIENTS_FILE: '/nonexistent/recipients.json',
        FIDES_MAX_INVOICES_PER_LOT: '0',
      }),
    ).toEqual(
      expect.arrayContaining([
        'FIDES_EMITTER_FINESS: not a valid FINESS (9 characters, check digit)',
        'FIDES_LOT_CUTOFF: must be HH:MM (00:00 to 23:59)',
        'FIDES_LOT_CUTOFF_BY_FINESS: each entry must be finess=HH:MM with a valid FINESS',
        'FIDES_LOT_TIMEZONE: unknown time zone',
        'FIDES_RECIPIENTS_FILE: file not found',
        'FIDES_MAX_INVOICES_PER_LOT: must be an integer between 1 and 10000',
      ]),
    );
  });
});
