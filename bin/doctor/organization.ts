import {
  DescribeOrganizationCommand,
  DescribeResourcePolicyCommand,
  ListAWSServiceAccessForOrganizationCommand,
  ListDelegatedAdministratorsCommand,
  ListRootsCommand,
} from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { organizationsClient } from '../../lib/aws/organizations-client';
import { stsClient } from '../../lib/aws/sts-client';
import type { Env } from '../causes';
import { awsFailure, fail, ok, skip, type CheckResult } from './check';

/** The service principal of service-managed StackSets (trusted access and its delegated administrator). */
export const STACKSETS_PRINCIPAL = 'member.org.stacksets.cloudformation.amazonaws.com';

/** Each call gets this long, retries included: a preflight must answer, not wait out a retry storm. */
const CALL_TIMEOUT_MS = 15_000;
const within = () => ({ abortSignal: AbortSignal.timeout(CALL_TIMEOUT_MS) });

export interface Identity {
  accountId: string;
  arn: string;
}

export async function identityCheck(env: Env): Promise<{ result: CheckResult; identity?: Identity }> {
  const title = 'AWS credentials';
  try {
    const out = await stsClient().send(new GetCallerIdentityCommand({}), within());
    const identity = { accountId: out.Account ?? '', arn: out.Arn ?? '' };
    return { result: ok('credentials', title, `account ${identity.accountId} as ${identity.arn}`), identity };
  } catch (err) {
    return { result: awsFailure('credentials', title, err, env, { action: 'sts:GetCallerIdentity' }) };
  }
}

export interface OrganizationFacts {
  managementAccountId?: string;
  organizationId?: string;
}

/**
 * What a deployment needs from the organization: StackSets trusted access (and, from another account, the delegated
 * administrator registration), the RCP policy type on the root, and whether a resource policy exists already.
 */
export async function organizationChecks(
  identity: Identity | undefined,
  env: Env,
): Promise<{ results: CheckResult[]; facts: OrganizationFacts }> {
  const titles = {
    trusted: 'StackSets trusted access',
    delegated: 'StackSets delegated administrator',
    rcp: 'RCP policy type on the root',
    policy: 'Organizations resource policy',
  };
  const skipAll = (why: string) => [
    skip('stacksets-trusted-access', titles.trusted, why),
    skip('stacksets-delegated-admin', titles.delegated, why),
    skip('rcp-enabled', titles.rcp, why),
    skip('resource-policy', titles.policy, why),
  ];
  if (!identity) return { results: skipAll('needs working AWS credentials (see above)'), facts: {} };
  const org = organizationsClient();
  let facts: OrganizationFacts = {};
  try {
    const o = (await org.send(new DescribeOrganizationCommand({}), within())).Organization;
    facts = { managementAccountId: o?.MasterAccountId ?? '', organizationId: o?.Id ?? '' };
  } catch (err) {
    const result = awsFailure('organization', 'Organization', err, env, {
      action: 'organizations:DescribeOrganization',
    });
    if ((err as { name?: string }).name === 'AWSOrganizationsNotInUseException')
      result.fix = `Account ${identity.accountId} is not in an organization: run doctor in the organization's management account or its delegated administrator.`;
    return { results: [result, ...skipAll('needs the organization (see above)')], facts };
  }
  const isManagement = facts.managementAccountId === identity.accountId;
  const inManagement = `in the management account ${facts.managementAccountId}`;
  const results: CheckResult[] = [];
  /**
   * Outside the management account Organizations may refuse what only it (or a delegated administrator of the call)
   * can read: that is the topology, not a fault. Say where it can be checked instead of failing.
   */
  const failed = (id: string, title: string, err: unknown, call: { action: string; where?: string }): CheckResult =>
    !isManagement && /AccessDenied/.test((err as { name?: string }).name ?? '')
      ? skip(
          id,
          title,
          `${call.action} is answered only in the management account ${facts.managementAccountId} here`,
          `run doctor there too (e.g. AWS_PROFILE=<management account profile> veeam-org-sync doctor)`,
        )
      : awsFailure(id, title, err, env, call);

  try {
    const enabled = new Set<string>();
    let NextToken: string | undefined;
    do {
      const page = await org.send(new ListAWSServiceAccessForOrganizationCommand({ NextToken }), within());
      for (const p of page.EnabledServicePrincipals ?? []) if (p.ServicePrincipal) enabled.add(p.ServicePrincipal);
      NextToken = page.NextToken;
    } while (NextToken);
    results.push(
      enabled.has(STACKSETS_PRINCIPAL)
        ? ok('stacksets-trusted-access', titles.trusted, `enabled (${STACKSETS_PRINCIPAL})`)
        : fail(
            'stacksets-trusted-access',
            titles.trusted,
            `not enabled: the access-role StackSet cannot deploy to member accounts`,
            `${inManagement}: aws cloudformation activate-organizations-access (or CloudFormation console > StackSets > Activate trusted access)`,
          ),
    );
  } catch (err) {
    results.push(
      failed('stacksets-trusted-access', titles.trusted, err, {
        action: 'organizations:ListAWSServiceAccessForOrganization',
        where: '(management account or a delegated administrator)',
      }),
    );
  }

  if (isManagement)
    results.push(
      skip(
        'stacksets-delegated-admin',
        titles.delegated,
        'not needed: this is the management account (stackSetCallAs=SELF)',
      ),
    );
  else
    try {
      const admins = new Set<string>();
      let NextToken: string | undefined;
      do {
        const page = await org.send(
          new ListDelegatedAdministratorsCommand({ ServicePrincipal: STACKSETS_PRINCIPAL, NextToken }),
          within(),
        );
        for (const a of page.DelegatedAdministrators ?? []) if (a.Id) admins.add(a.Id);
        NextToken = page.NextToken;
      } while (NextToken);
      results.push(
        admins.has(identity.accountId)
          ? ok(
              'stacksets-delegated-admin',
              titles.delegated,
              `account ${identity.accountId} is registered (stackSetCallAs=DELEGATED_ADMIN)`,
            )
          : fail(
              'stacksets-delegated-admin',
              titles.delegated,
              `account ${identity.accountId} is not a StackSets delegated administrator`,
              `${inManagement}: aws organizations register-delegated-administrator --service-principal ${STACKSETS_PRINCIPAL} --account-id ${identity.accountId}; or deploy with stackSetCallAs=NONE and the management stack's createStackSet=true`,
            ),
      );
    } catch (err) {
      results.push(
        failed('stacksets-delegated-admin', titles.delegated, err, {
          action: 'organizations:ListDelegatedAdministrators',
        }),
      );
    }

  try {
    const roots = (await org.send(new ListRootsCommand({}), within())).Roots ?? [];
    const root = roots[0];
    const rcp = root?.PolicyTypes?.find((p) => p.Type === 'RESOURCE_CONTROL_POLICY');
    results.push(
      rcp?.Status === 'ENABLED'
        ? ok('rcp-enabled', titles.rcp, `enabled on ${root?.Id ?? 'the root'}`)
        : fail(
            'rcp-enabled',
            titles.rcp,
            `${rcp ? rcp.Status : 'not enabled'} on ${root?.Id ?? 'the root'}: resource control policies cannot be attached`,
            `${inManagement}: aws organizations enable-policy-type --root-id ${root?.Id ?? '<root id>'} --policy-type RESOURCE_CONTROL_POLICY`,
          ),
    );
  } catch (err) {
    results.push(failed('rcp-enabled', titles.rcp, err, { action: 'organizations:ListRoots' }));
  }

  try {
    const p = (await org.send(new DescribeResourcePolicyCommand({}), within())).ResourcePolicy;
    results.push(
      ok(
        'resource-policy',
        titles.policy,
        `exists (${p?.ResourcePolicySummary?.Id ?? 'id unknown'}): an organization has one; add the management stack's VeeamOrgSyncReadOrganization statement to it (aws organizations put-resource-policy) instead of letting the stack create one`,
      ),
    );
  } catch (err) {
    if ((err as { name?: string }).name === 'ResourcePolicyNotFoundException')
      results.push(
        ok(
          'resource-policy',
          titles.policy,
          'none yet: the management stack can create it (OrganizationsDelegationPolicy)',
        ),
      );
    else
      results.push(failed('resource-policy', titles.policy, err, { action: 'organizations:DescribeResourcePolicy' }));
  }
  return { results, facts };
}
