import { createHash, randomInt } from 'node:crypto';

/** STS accepts [\w+=,.@:/-]; alphanumerics keep IDs copy-paste safe in consoles, logs and CLIs. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** 40 base62 characters = 238 bits from the CSPRNG; short enough that two fit a 2,048-character trust policy. */
export const EXTERNAL_ID_LENGTH = 40;

export function generateExternalId(): string {
  let id = '';
  // randomInt draws from the CSPRNG without modulo bias.
  for (let i = 0; i < EXTERNAL_ID_LENGTH; i++) id += ALPHABET[randomInt(ALPHABET.length)];
  return id;
}

/**
 * Non-reversible fingerprint of an external ID. Veeam never returns the ID it holds, so we record this next to
 * the entry (description) and in role tags to know which ID the appliance has, without storing the ID twice.
 */
export function externalIdFingerprint(externalId: string): string {
  return createHash('sha256').update(`veeam-org-sync:external-id:${externalId}`).digest('hex').slice(0, 16);
}
