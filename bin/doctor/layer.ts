import { GetLayerVersionByArnCommand } from '@aws-sdk/client-lambda';
import { lambdaClient } from '../../lib/aws/lambda-client';
import type { Env } from '../causes';
import { awsFailure, fail, ok, skip, type CheckResult } from './check';
import { LAYER_SETTING } from './settings';

const LAYER_VERSION_ARN = /^arn:aws[\w-]*:lambda:([a-z0-9-]+):(\d{12}):layer:([\w-]+):(\d+)$/;
const ID = 'extension-layer';
const TITLE = 'Secrets extension layer';

/**
 * The functions attach the AWS Parameters and Secrets Lambda Extension by ARN; a layer can only be attached in its own
 * region, and the publishing account and version differ per region, so a copied us-east-1 ARN fails the deploy.
 */
export async function layerCheck(settings: Env, region: string, env: Env): Promise<CheckResult> {
  const arn = settings[LAYER_SETTING]?.trim();
  const where = `the ARN for ${region} from the AWS documentation ("AWS Parameters and Secrets Lambda Extension ARNs", x86_64)`;
  if (!arn)
    return skip(
      ID,
      TITLE,
      `${LAYER_SETTING} is not set, so the layer you deploy with (stack parameter secretsExtensionLayerArn) is not checked`,
      `export ${LAYER_SETTING}=<${where}>, the value you pass as --param="secretsExtensionLayerArn=..."`,
    );
  const m = LAYER_VERSION_ARN.exec(arn);
  if (!m)
    return fail(
      ID,
      TITLE,
      `"${arn}" is not a layer version ARN (arn:aws:lambda:<region>:<account>:layer:<name>:<version>)`,
      `Set secretsExtensionLayerArn (and ${LAYER_SETTING}) to ${where}`,
    );
  if (m[1] !== region)
    return fail(
      ID,
      TITLE,
      `the layer is in ${m[1]} but the stack deploys to ${region}: Lambda attaches layers of its own region only`,
      `Set secretsExtensionLayerArn (and ${LAYER_SETTING}) to ${where}`,
    );
  try {
    const out = await lambdaClient().send(new GetLayerVersionByArnCommand({ Arn: arn }), {
      abortSignal: AbortSignal.timeout(15_000),
    });
    const runtimes = out.CompatibleArchitectures?.length ? `, ${out.CompatibleArchitectures.join('/')}` : '';
    return ok(ID, TITLE, `${arn} is readable in ${region} (version ${out.Version ?? m[4]}${runtimes})`);
  } catch (err) {
    if ((err as { name?: string }).name === 'ResourceNotFoundException')
      return fail(
        ID,
        TITLE,
        `${arn} does not exist in ${region}`,
        `Set secretsExtensionLayerArn (and ${LAYER_SETTING}) to ${where}`,
      );
    return awsFailure(ID, TITLE, err, env, { action: 'lambda:GetLayerVersionByArn' });
  }
}
