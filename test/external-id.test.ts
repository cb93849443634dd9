import { EXTERNAL_ID_LENGTH, externalIdFingerprint, generateExternalId } from '../lib/external-id';

describe('generateExternalId', () => {
  it('draws at least 32 characters from [A-Za-z0-9], within the STS ExternalId pattern', () => {
    const id = generateExternalId();
    expect(EXTERNAL_ID_LENGTH).toBeGreaterThanOrEqual(32);
    expect(id).toHaveLength(EXTERNAL_ID_LENGTH);
    expect(id).toMatch(/^[A-Za-z0-9]+$/);
    expect(id).toMatch(/^[\w+=,.@:/-]{2,1224}$/);
  });

  it('never repeats over many draws and uses the whole alphabet', () => {
    const ids = Array.from({ length: 5000 }, generateExternalId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids.join('')).size).toBe(62);
  });

  it('has a fingerprint that identifies the ID without revealing it', () => {
    const id = generateExternalId();
    expect(externalIdFingerprint(id)).toBe(externalIdFingerprint(id));
    expect(externalIdFingerprint(id)).not.toContain(id.slice(0, 8));
    expect(externalIdFingerprint(id)).not.toBe(externalIdFingerprint(generateExternalId()));
  });
});
