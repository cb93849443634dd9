import { GetRoleCommand } from '@aws-sdk/client-iam';
import { iamClient } from '../../lib/aws/iam-client';
import type { Config } from '../../lib/config';
import type { Env } from '../causes';
import { awsFailure, fail, ok, type CheckResult } from './check';
import type { Identity } from './organization';

const ID = 'principal';
const TITLE = 'Appliance principal (VEEAM_PRINCIPAL_ARN)';

/**
 * The roles this service creates trust VEEAM_PRINCIPAL_ARN; IAM refuses a trust policy naming a principal that does
 * not exist, so a typo fails every account. It can be read when it is in this account; elsewhere only its shape.
 */
export async function principalCheck(cfg: Config, identity: Identity | undefined, env: Env): Promise<CheckResult> {
  const arn = cfg.veeamPrincipalArn;
  const [, account = '', rest = ''] = /^arn:aws[\w-]*:iam::(\d{12}):role\/(.+)$/.exec(arn) ?? [];
  const roleName = rest.split('/').pop() ?? '';
  if (!identity || account !== identity.accountId)
    return ok(
      ID,
      TITLE,
      `${arn} is a well-formed role ARN${identity ? ` in account ${account}, not this one (${identity.accountId}): only its shape is checked` : ''}`,
    );
  try {
    const role = (
      await iamClient().send(new GetRoleCommand({ RoleName: roleName }), {
        abortSignal: AbortSignal.timeout(15_000),
      })
    ).Role;
    if (role?.Arn && role.Arn !== arn)
      return fail(
        ID,
        TITLE,
        `role ${roleName} exists as ${role.Arn}, not ${arn} (the path differs)`,
        `Set VEEAM_PRINCIPAL_ARN (stack parameter veeamPrincipalArn) to ${role.Arn}`,
      );
    return ok(ID, TITLE, `${arn} exists`);
  } catch (err) {
    if (
      (err as { name?: string }).name === 'NoSuchEntityException' ||
      (err as { name?: string }).name === 'NoSuchEntity'
    )
      return fail(
        ID,
        TITLE,
        `no role ${roleName} in account ${account}`,
        'Set VEEAM_PRINCIPAL_ARN (stack parameter veeamPrincipalArn) to the ARN of the IAM role the appliance runs as (its instance role, the impersonation role it assumes); the created roles trust it.',
      );
    return awsFailure(ID, TITLE, err, env, { action: 'iam:GetRole', where: `on ${arn}` });
  }
}
