import { decodePolicyDocument as parseTrustDocument } from '../../lib/roles/policy-document';
import { acceptedExternalIds, trustDocument, trustEquivalent } from '../../lib/roles/trust';
import { APPLIANCE, ID_A, ID_B } from './iam-world';

const encode = (doc: unknown) => encodeURIComponent(JSON.stringify(doc));

describe('trustDocument', () => {
  it('trusts the appliance only with the external IDs, plus each service of the blueprint', () => {
    expect(trustDocument({ principalArn: APPLIANCE, externalIds: [ID_A, ID_B] }, ['ec2.amazonaws.com'])).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'VeeamAppliance',
          Effect: 'Allow',
          Principal: { AWS: APPLIANCE },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'sts:ExternalId': [ID_A, ID_B] } },
        },
        { Sid: 'ServiceEc2', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    });
  });

  it('stays far below the 2,048-character trust quota during a rotation with two 40-character IDs', () => {
    const text = JSON.stringify(
      trustDocument({ principalArn: APPLIANCE, externalIds: [ID_A, ID_B] }, ['ec2.amazonaws.com']),
    );
    expect(text.length).toBeLessThan(1024);
  });
});

describe('acceptedExternalIds', () => {
  it('reads IDs from the URL-encoded document IAM returns', () => {
    const raw = encode(trustDocument({ principalArn: APPLIANCE, externalIds: [ID_A, ID_B] }, []));
    expect(acceptedExternalIds(raw, APPLIANCE)).toEqual([ID_A, ID_B]);
  });

  it('accepts IAM’s collapsed forms: one statement object, single-string values, Principal as a string or array', () => {
    const raw = encode({
      Version: '2012-10-17',
      Statement: {
        Effect: 'Allow',
        Principal: { AWS: [APPLIANCE, 'arn:aws:iam::123456789012:root'] },
        Action: ['sts:AssumeRole'],
        Condition: { StringEquals: { 'sts:externalid': ID_A } },
      },
    });
    expect(acceptedExternalIds(raw, APPLIANCE)).toEqual([ID_A]);
    const asString = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: APPLIANCE,
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'sts:ExternalId': ID_B } },
        },
      ],
    };
    expect(acceptedExternalIds(asString, APPLIANCE)).toEqual([ID_B]);
  });

  it('ignores IDs granted to another principal, Deny statements and other actions', () => {
    const doc = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::123456789012:role/Other' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'sts:ExternalId': ID_A } },
        },
        {
          Effect: 'Deny',
          Principal: { AWS: APPLIANCE },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'sts:ExternalId': ID_B } },
        },
        {
          Effect: 'Allow',
          Principal: { AWS: APPLIANCE },
          Action: 'sts:TagSession',
          Condition: { StringEquals: { 'sts:ExternalId': ID_B } },
        },
      ],
    };
    expect(acceptedExternalIds(doc, APPLIANCE)).toEqual([]);
  });

  it('returns nothing for an unreadable document', () => {
    expect(acceptedExternalIds('%7Bnot json', APPLIANCE)).toEqual([]);
    expect(parseTrustDocument(undefined)).toBeUndefined();
  });
});

describe('trustEquivalent', () => {
  const ours = trustDocument({ principalArn: APPLIANCE, externalIds: [ID_A, ID_B] }, ['ec2.amazonaws.com']);

  it('treats IAM’s rewritten, URL-encoded form of our document as equal', () => {
    const rewritten = {
      Statement: [
        { Principal: { Service: ['ec2.amazonaws.com'] }, Effect: 'Allow', Action: ['sts:AssumeRole'] },
        {
          Condition: { StringEquals: { 'sts:ExternalId': [ID_B, ID_A] } },
          Action: 'STS:AssumeRole',
          Effect: 'Allow',
          Principal: { AWS: [APPLIANCE] },
        },
      ],
      Version: '2012-10-17',
    };
    expect(trustEquivalent(encode(rewritten), ours)).toBe(true);
  });

  it('sees a different ID set, a missing service principal or a dropped condition', () => {
    expect(
      trustEquivalent(trustDocument({ principalArn: APPLIANCE, externalIds: [ID_A] }, ['ec2.amazonaws.com']), ours),
    ).toBe(false);
    expect(trustEquivalent(trustDocument({ principalArn: APPLIANCE, externalIds: [ID_A, ID_B] }, []), ours)).toBe(
      false,
    );
    const noCondition = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: APPLIANCE }, Action: 'sts:AssumeRole' }, ours.Statement[1]],
    };
    expect(trustEquivalent(noCondition, ours)).toBe(false);
  });
});
