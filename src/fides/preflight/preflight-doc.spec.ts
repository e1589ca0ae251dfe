import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PREFLIGHT_RULES } from './preflight-rules';

/** The rule table as PREFLIGHT.md shows it: regenerated from the data, so the doc cannot drift from the code. */
function ruleTable(): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  return [
    '| code | field | severity | message |',
    '|---|---|---|---|',
    ...PREFLIGHT_RULES.map((r) => `| ${r.code} | \`${r.field}\` | ${r.severity} | ${esc(r.message)} |`),
  ].join('\n');
}

describe('PREFLIGHT.md', () => {
  it('lists the rule table exactly as the code declares it (copy the expected block on failure)', () => {
    const doc = readFileSync(join(__dirname, 'PREFLIGHT.md'), 'utf8');
    const block = /<!-- rules:start -->\n([\s\S]*?)\n<!-- rules:end -->/.exec(doc)?.[1];
    expect(block).toBe(ruleTable());
  });
});
