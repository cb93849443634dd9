import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parameterTable } from '../../scripts/parameter-table';

const ROOT = join(__dirname, '..', '..');

describe('the parameter reference in docs/deploy.md', () => {
  it('is what the parameter files say (regenerate with: npx tsx scripts/parameter-table.ts)', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'deploy.md'), 'utf8');
    const begin = doc.indexOf('<!-- parameters:begin -->');
    const end = doc.indexOf('<!-- parameters:end -->');
    expect([begin >= 0, end > begin]).toEqual([true, true]);
    const normalise = (t: string) =>
      t
        .replace(/\s+/g, ' ')
        .replace(/ ?-{3,} ?/g, '---')
        .trim();
    const expected = (['service', 'management', 'forwarder'] as const).map(parameterTable).join('\n');
    expect(normalise(doc.slice(begin + '<!-- parameters:begin -->'.length, end))).toBe(normalise(expected));
  });
});
