import { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';

export interface SimCertificate {
  keyPem: string;
  certPem: string;
  /** Lower-case hex SHA-256 of the DER, the VEEAM_CERT_SHA256 format. */
  sha256: string;
}

let shared: Promise<SimCertificate> | undefined;

/** Like the appliance's own: self-signed, for its name and loopback IP. */
export async function createSelfSignedCertificate(): Promise<SimCertificate> {
  const pems = await generate([{ name: 'commonName', value: 'veeam-sim.local' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  const sha256 = new X509Certificate(pems.cert).fingerprint256.replace(/:/g, '').toLowerCase();
  return { keyPem: pems.private, certPem: pems.cert, sha256 };
}

/** RSA key generation costs ~100 ms; simulators in one test process share a certificate unless asked not to. */
export function sharedCertificate(): Promise<SimCertificate> {
  shared ??= createSelfSignedCertificate();
  return shared;
}
