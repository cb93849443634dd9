import { IAMServiceException } from '@aws-sdk/client-iam';
import type { AccountRegistry, FakeIdentity } from './account-registry';

/**
 * The path every IAM and STS call takes through the fakes: the caller is read from the client's credentials (an
 * expired session is refused), the call is logged, an injected failure is thrown instead of the answer, and the
 * listeners see the call after it was applied or failed, before the caller sees the answer.
 */

export interface FakeCall {
  service: 'iam' | 'sts';
  command: string;
  accountId: string;
  input: Record<string, unknown>;
  write: boolean;
  error?: string;
}

export type ErrorFactory = Error | ((input: Record<string, unknown>, accountId: string) => Error | undefined);

/** What aws-sdk-client-mock hands a fake: a way to reach the calling client (and so its credentials). */
export type GetClient = () => { config: { credentials: unknown } };

export interface CallLog {
  calls: FakeCall[];
  /**
   * Listeners called synchronously after every IAM/STS call has been applied (or has failed; `call.error` is then
   * set), before the caller sees the answer. Tests push a function here to check an invariant after each call.
   */
  afterCall: Array<(call: FakeCall) => void>;
  /** Write calls (Create/Put/Update/Delete/Tag/Untag/Attach/Detach/Add/Remove), optionally for one account. */
  writes: (accountId?: string) => FakeCall[];
  /** Calls of one command, optionally for one account. */
  callsOf: (command: string, accountId?: string) => FakeCall[];
  /** The next `times` calls of `command` (e.g. 'CreateRole') fail with `error` (a factory may return undefined to pass). */
  failNext: (command: string, error: ErrorFactory, times?: number) => void;
  /** Runs one call of `service`: `answer` applies it for the caller unless an injected failure comes first. */
  serve: (
    service: FakeCall['service'],
    command: string,
    input: Record<string, unknown>,
    getClient: GetClient,
    answer: (caller: FakeIdentity) => unknown,
  ) => Promise<unknown>;
  /** Forgets the calls and the injected failures (the listeners stay). */
  clear: () => void;
}

const WRITE = /^(Create|Put|Update|Delete|Tag|Untag|Attach|Detach|AddRole|RemoveRole)/;

export const meta = (status: number) => ({
  httpStatusCode: status,
  requestId: 'fake',
  attempts: 1,
  totalRetryDelay: 0,
});

export function createCallLog(registry: AccountRegistry): CallLog {
  const calls: FakeCall[] = [];
  const afterCall: Array<(call: FakeCall) => void> = [];
  const failures = new Map<string, Array<ErrorFactory>>();

  const injected = (command: string, input: Record<string, unknown>, accountId: string): Error | undefined => {
    const queue = failures.get(command);
    if (!queue?.length) return undefined;
    const f = queue.shift()!;
    return typeof f === 'function' ? f(input, accountId) : f;
  };

  async function callerOf(getClient: GetClient): Promise<FakeIdentity> {
    const provider = getClient().config.credentials as
      (() => Promise<{ accessKeyId: string }>) | { accessKeyId: string };
    const creds = typeof provider === 'function' ? await provider() : provider;
    const id = registry.identityOf(creds.accessKeyId);
    if (id.expiresAt !== undefined && registry.now() >= id.expiresAt) {
      throw new IAMServiceException({
        name: 'ExpiredToken',
        $fault: 'client',
        message: 'The security token included in the request is expired',
        $metadata: meta(403),
      });
    }
    return id;
  }

  return {
    calls,
    afterCall,
    writes: (accountId) => calls.filter((c) => c.write && (accountId === undefined || c.accountId === accountId)),
    callsOf: (command, accountId) =>
      calls.filter((c) => c.command === command && (accountId === undefined || c.accountId === accountId)),
    failNext(command, error, times = 1) {
      const q = failures.get(command) ?? [];
      for (let n = 0; n < times; n++) q.push(error);
      failures.set(command, q);
    },
    async serve(service, command, input, getClient, answer) {
      const caller = await callerOf(getClient);
      const call: FakeCall = {
        service,
        command,
        accountId: caller.accountId,
        input,
        write: service === 'iam' && WRITE.test(command),
      };
      calls.push(call);
      try {
        const err = injected(command, input, caller.accountId);
        if (err) throw err;
        return answer(caller);
      } catch (err) {
        call.error = (err as Error).name;
        throw err;
      } finally {
        for (const listener of afterCall) listener(call);
      }
    },
    clear() {
      calls.length = 0;
      failures.clear();
    },
  };
}
