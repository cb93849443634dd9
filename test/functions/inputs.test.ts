import { parseReconcileInput, parseRotateInput } from '../../functions/inputs';
import { InvalidInputError } from '../../lib/errors';
import { scheduledEvent } from '../../sim/lambda';

const scheduled = scheduledEvent('reconcile');

function errorOf(parse: () => unknown): Error {
  try {
    parse();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the input to be refused');
}

describe('reconcile input', () => {
  it("carries a person's one-time offboarding confirmation (CLI --stack --allow-offboard) and refuses a bad one", () => {
    expect(parseReconcileInput({ dryRun: false, allowOffboard: 6 })).toEqual({ dryRun: false, allowOffboard: 6 });
    expect(errorOf(() => parseReconcileInput({ allowOffboard: 0 })).message).toMatch(/allowOffboard/);
    expect(errorOf(() => parseReconcileInput({ allowOffboard: 2.5 })).message).toMatch(/allowOffboard/);
  });

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

describe('a scheduled event is recognised by its whole shape only', () => {
  it.each([
    ['a dry run that borrows detail-type', { dryRun: true, 'detail-type': 'Scheduled Event' }],
    ['a scheduled event carrying dryRun', { ...scheduled, dryRun: true }],
    ['a scheduled event carrying accountIds', { ...scheduled, accountIds: ['111122223333'] }],
    ['a scheduled event from another source', { ...scheduled, source: 'aws.custom' }],
    ['a scheduled event with a detail', { ...scheduled, detail: { dryRun: true } }],
    [
      'a partial envelope',
      { version: '0', id: 'x', 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} },
    ],
  ])('reconcile refuses %s instead of running for real', (_label, input) => {
    const error = errorOf(() => parseReconcileInput(input));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toMatch(/not a whole EventBridge "Scheduled Event"/);
  });

  it('rotate refuses a payload that borrows detail-type too', () => {
    const error = errorOf(() => parseRotateInput({ force: true, 'detail-type': 'Scheduled Event' }));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toMatch(/Unrecognized key.*detail-type/);
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
