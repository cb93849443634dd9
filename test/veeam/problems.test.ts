import { isExpiredToken, isVersionProblem, parseProblem, toVeeamApiError } from '../../lib/veeam/problems';

const body = (o: object) => JSON.stringify(o);

describe('problem+json', () => {
  it('reads the text from `details` (Veeam) and `detail` (RFC 7807)', () => {
    expect(parseProblem(body({ type: 'x', details: 'from veeam' })).detail).toBe('from veeam');
    expect(parseProblem(body({ type: 'x', detail: 'from rfc' })).detail).toBe('from rfc');
    expect(parseProblem('<html>bad gateway</html>')).toEqual({});
  });

  it('recognises version and token problems by their type', () => {
    const p = (name: string) =>
      parseProblem(
        body({
          type: `https://h:11005/api/v1/problems/${name}`,
          title: 't',
          status: 400,
          errorCode: 'UnexpectedContent',
        }),
      );
    expect(isVersionProblem(400, p('unsupportedApiVersion'))).toBe(true);
    expect(isVersionProblem(400, p('invalidApiVersion'))).toBe(true);
    expect(isVersionProblem(400, p('validationError'))).toBe(false);
    expect(isExpiredToken(401, p('expiredAccessToken'))).toBe(true);
    expect(isExpiredToken(401, p('invalidAccessToken'))).toBe(false);
  });

  it('turns an answer into an error that says what failed and what to do', () => {
    const e = toVeeamApiError('POST', '/api/v1/accounts/amazon', {
      status: 403,
      headers: {},
      body: body({
        type: 'https://h/api/v1/problems/accessDenied',
        title: 'Access denied',
        status: 403,
        errorCode: 'AccessDenied',
        details: 'Insufficient rights',
      }),
    });
    expect(e).toMatchObject({ status: 403, code: 'AccessDenied', retryable: false });
    expect(e.message).toMatch(
      /POST \/api\/v1\/accounts\/amazon failed with 403 \(accessDenied\): Access denied: Insufficient rights/,
    );
    expect(e.message).toMatch(/Portal Administrator/);
    expect(toVeeamApiError('GET', '/x', { status: 503, headers: {}, body: '' })).toMatchObject({
      retryable: true,
      code: 'Http503',
    });
  });
});
