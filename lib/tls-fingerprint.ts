/** Shared by configuration (validating VEEAM_CERT_SHA256) and the TLS pin check, so both agree on one spelling. */
/** "AB:CD:..." (what openssl and browsers show) -> "abcd..." (what VEEAM_CERT_SHA256 stores). */
export function normaliseFingerprint(fp: string): string {
  return fp
    .replace(/^sha256[:/]/i, '')
    .replace(/[:\s]/g, '')
    .toLowerCase();
}
