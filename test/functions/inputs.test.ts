import { parseReconcileInput, parseRotateInput } from '../../functions/inputs';
import { InvalidInputError } from '../../lib/errors';

const scheduled = { version: '0', id: 'x', 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} };

describe('reconcile input', () => {
  it('accepts the manual dry run with accounts', () => {
    expect(parseReconcileInput({ dryRun: true, accountIds: ['111122223333'] })).toEqual({
      dryRun: true,
      accountIds: ['111122223333'],
    });
  });

  it('treats the configured schedule input and a raw scheduled event as a real run over everything', () => {
    expect(parseReconcileInput({ dryRun: false })).toEqual({ dryRun: false });
    expect(parseReconcileInput(scheduled)).toEqual({ dryRun: false });
  });

  it.each([
    [{ dryrun: true }, /Unrecognized key.*dryrun/],
    [{ dryRun: 'yes' }, /dryRun/],
    [{ accountIds: ['12345'] }, /accountIds\.0: must be a 12-digit AWS account id/],
    [{ accountIds: [] }, /accountIds: must list at least one account/],
  ])('rejects %j with an InvalidInputError that says what is wrong', (input, message) => {
    let error: unknown;
    try {
      parseReconcileInput(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/expected \{"dryRun"/);
  });
});

describe('rotate input', () => {
  it('accepts forced rotation of named accounts and the schedule', () => {
    expect(parseRotateInput({ accountIds: ['111122223333'], force: true })).toEqual({
      accountIds: ['111122223333'],
      force: true,
    });
    expect(parseRotateInput(scheduled)).toEqual({});
  });

  it('rejects a typo', () => {
    expect(() => parseRotateInput({ forced: true })).toThrow(InvalidInputError);
  });
});
