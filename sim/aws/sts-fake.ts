import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { accountOfPrincipal, asArray, type AccountRegistry, type FakeIdentity } from './account-registry';
import { meta, type CallLog } from './fake-calls';

/**
 * A stateful in-memory STS for tests and the sandbox, over the accounts of an AccountRegistry: GetCallerIdentity
 * answers from the caller's access key; AssumeRole evaluates the target role's trust as IAM stored it and issues
 * FAKE<account> keys for the target account. A brand-new account (addAccount's notReadyAttempts / notReadyUntil)
 * and an account the simulated StackSet has not reached yet deny it, as STS does while the role is not there.
 */

export function stsAccessDenied(message: string): Error {
  return new STSServiceException({ name: 'AccessDenied', $fault: 'client', message, $metadata: meta(403) });
}

/** Evaluates the trust statements that matter for AssumeRole: Allow/Deny, Principal, sts:ExternalId conditions. */
export function trustAllows(trustText: string, principal: string, externalId: string | undefined): boolean {
  let doc: { Statement?: unknown };
  try {
    doc = JSON.parse(trustText) as { Statement?: unknown };
  } catch {
    return false;
  }
  const statements = (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]).filter(Boolean) as Array<
    Record<string, unknown>
  >;
  const isService = !principal.startsWith('arn:');
  const matches = (s: Record<string, unknown>): boolean => {
    if (!asArray(s.Action).some((a) => ['sts:assumerole', 'sts:*', '*'].includes(a.toLowerCase()))) return false;
    const p = s.Principal;
    const listed = typeof p === 'string' ? { AWS: [p] } : ((p ?? {}) as Record<string, unknown>);
    const ok = isService
      ? asArray(listed.Service).includes(principal)
      : asArray(listed.AWS).some(
          (x) =>
            x === '*' ||
            x === principal ||
            (/(^\d{12}$)|(:root$)/.test(x) && accountOfPrincipal(x) === accountOfPrincipal(principal)),
        );
    if (!ok) return false;
    return conditionsHold(s.Condition, externalId);
  };
  if (statements.some((s) => s.Effect === 'Deny' && matches(s))) return false;
  return statements.some((s) => s.Effect === 'Allow' && matches(s));
}

function conditionsHold(condition: unknown, externalId: string | undefined): boolean {
  if (condition === undefined) return true;
  for (const [op, block] of Object.entries(condition as Record<string, Record<string, unknown>>)) {
    for (const [key, values] of Object.entries(block)) {
      // Only what a trust for an external party uses is understood; anything else fails closed.
      if (key.toLowerCase() !== 'sts:externalid') return false;
      const vals = asArray(values);
      if (op === 'StringEquals') {
        if (externalId === undefined || !vals.includes(externalId)) return false;
      } else if (op === 'StringLike') {
        const re = (v: string) =>
          new RegExp(
            `^${v
              .replace(/[.+^${}()|[\]\\]/g, '\\$&')
              .replace(/\*/g, '.*')
              .replace(/\?/g, '.')}$`,
          );
        if (externalId === undefined || !vals.some((v) => re(v).test(externalId))) return false;
      } else return false;
    }
  }
  return true;
}

export interface StsFake {
  /** Does the stored trust let `principal` (an IAM ARN, or a service like ec2.amazonaws.com) assume the role? */
  canAssume: (accountId: string, roleName: string, principal: string, externalId?: string) => boolean;
  /** Clears the mock's own history and answers every STS command again (after a reset of the registry). */
  reset(): void;
  restore(): void;
}

/** Answers GetCallerIdentity and AssumeRole from `registry`, each call through `log`. */
export function installStsFake(registry: AccountRegistry, log: CallLog): StsFake {
  const { state, now, nextId } = registry;
  const opts = registry.options;

  const canAssume = (accountId: string, roleName: string, principal: string, externalId?: string): boolean => {
    const r = state.accounts.get(accountId)?.roles.get(roleName);
    return !!r && trustAllows(r.trust, principal, externalId);
  };

  const stsHandlers: Record<string, (input: Record<string, unknown>, caller: FakeIdentity) => unknown> = {
    GetCallerIdentity: (_i, caller) => ({
      Account: caller.accountId,
      Arn: caller.callerArn,
      UserId: `AROAFAKE:${caller.accountId}`,
    }),
    AssumeRole: (i, caller) => {
      const roleArn = String(i.RoleArn);
      const m = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
      if (!m)
        throw new STSServiceException({
          name: 'ValidationError',
          $fault: 'client',
          message: `${roleArn} is invalid`,
          $metadata: meta(400),
        });
      const [, , target, roleName] = m as unknown as [string, string, string, string];
      const duration = typeof i.DurationSeconds === 'number' ? i.DurationSeconds : 3600;
      if (caller.session && duration > 3600) {
        throw new STSServiceException({
          name: 'ValidationError',
          $fault: 'client',
          message: 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
          $metadata: meta(400),
        });
      }
      const denied = () =>
        stsAccessDenied(
          `User: ${caller.callerArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
        );
      const a = state.accounts.get(target);
      if (!a) throw denied();
      if (a.notReadyUntil !== undefined && now() < a.notReadyUntil) throw denied();
      if (opts.accessRole && roleName === opts.accessRole.roleName && a.accessRolePending > 0) {
        // The StackSet has not reached the account yet: the role is not there, which STS reports as AccessDenied.
        if (--a.accessRolePending === 0) registry.deployAccessRole(target);
        throw denied();
      }
      if (a.notReadyAttempts > 0) {
        a.notReadyAttempts--;
        throw denied();
      }
      if (
        !canAssume(target, roleName, caller.principalArn, typeof i.ExternalId === 'string' ? i.ExternalId : undefined)
      )
        throw denied();
      const accessKeyId = nextId(`FAKE${target}`);
      const expiresAt = now() + duration * 1000;
      const session = String(i.RoleSessionName);
      state.identities.set(accessKeyId, {
        accountId: target,
        principalArn: `arn:${state.partition}:iam::${target}:role/${roleName}`,
        callerArn: `arn:${state.partition}:sts::${target}:assumed-role/${roleName}/${session}`,
        session: true,
        expiresAt,
      });
      return {
        Credentials: {
          AccessKeyId: accessKeyId,
          SecretAccessKey: 'fake-secret',
          SessionToken: `fake-token-${accessKeyId}`,
          Expiration: new Date(expiresAt),
        },
        AssumedRoleUser: {
          Arn: `arn:${state.partition}:sts::${target}:assumed-role/${roleName}/${session}`,
          AssumedRoleId: `AROAFAKE:${session}`,
        },
      };
    },
  };

  const stsMock = mockClient(STSClient);
  const wire = () => {
    for (const [name, Command] of [
      ['GetCallerIdentity', GetCallerIdentityCommand],
      ['AssumeRole', AssumeRoleCommand],
    ] as const) {
      stsMock
        .on(Command as typeof AssumeRoleCommand)
        .callsFake((input: Record<string, unknown>, getClient) =>
          log.serve('sts', name, input, getClient, (caller) => stsHandlers[name]!(input, caller)),
        );
    }
  };
  wire();
  return {
    canAssume,
    reset() {
      stsMock.reset();
      wire();
    },
    restore: () => stsMock.restore(),
  };
}
