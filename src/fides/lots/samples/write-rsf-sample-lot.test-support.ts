/**
 * Test-only: the lot file the RSF sample month makes (../../rsf/samples/sample-month.rsf → drafts routed to caisse
 * 751 → B2, lot 001, MODELLED envelope), kept as rsf-sample-lot.b2 beside its spec. After a deliberate change of the
 * mapping or the declarations, rebuild it with `npm run fides:fixtures`.
 */
import { collect, RSF_SAMPLE_MONTH, rsfSampleDrafts, TEST_CONTEXT, TEST_ENVELOPE } from '../lots.test-support';
import { writeDraftsLotFile } from '../lot-file-from-drafts';

export async function rsfSampleLotText(sample = RSF_SAMPLE_MONTH): Promise<string> {
  const { out, text } = collect();
  const result = await writeDraftsLotFile(
    out,
    { grandRegime: '01', managingFund: '751' },
    await rsfSampleDrafts(sample),
    TEST_CONTEXT,
    TEST_ENVELOPE,
    {
      maxInvoicesPerLot: 100,
      nextLotNumber: () => '1',
    },
  );
  if (result.refused.length > 0) throw new Error(result.refused[0].problems[0].message);
  return text();
}
