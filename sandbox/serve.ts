import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  GetLayerVersionByArnCommand,
  LambdaClient,
  ResourceNotFoundException as NoLayer,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { endpointEnv, startAwsHttpGateway } from '../sim/aws/http-gateway';
import { DEFAULT_SIM_USER } from '../sim/veeam';
import { APPLIANCE_ROLE_ARN, MANAGEMENT_ACCOUNT, startWorld } from '../sim/world';

/** Member accounts the served organization starts with: two in scope, one outside. */
export const SERVED_ACCOUNTS = { appProd: '444455556666', appDev: '777788889999', sandbox: '222233334444' };
const STACKSETS_PRINCIPAL = 'member.org.stacksets.cloudformation.amazonaws.com';
/** The extension layer as AWS publishes it in us-east-1 (serverless.yml's default secretsExtensionLayerArn). */
const LAYER_ARN = 'arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension:17';

/** Shell-safe single quoting for the printed export lines. */
const quote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;

/**
 * `npm run sandbox -- --serve`: the simulated organization (Organizations, IAM/STS, Secrets Manager, Lambda's layer
 * lookup behind real AWS
 * wire protocols) and the Veeam simulator stay up, and stdout says how to point the CLI of another terminal at them:
 * export lines, then "# ready". Every command runs there as against AWS, in-process (the CLI's own path: the SDK
 * reads the secret, no Lambda). Stops cleanly on SIGINT / SIGTERM.
 */
export async function serve(
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Promise<() => Promise<void>> {
  const world = await startWorld({
    offboardMode: 'unregister',
    scopeOuIds: (org) => [org.createOu(org.rootId, 'ou-ab12-11111111')],
  });
  const workloads = 'ou-ab12-11111111';
  const outside = world.org.createOu(world.org.rootId, 'ou-ab12-22222222');
  world.org.createAccount({ id: MANAGEMENT_ACCOUNT, name: 'management', parentId: world.org.rootId });
  world.org.createAccount({ id: SERVED_ACCOUNTS.appProd, name: 'app-prod', parentId: workloads });
  world.org.createAccount({ id: SERVED_ACCOUNTS.appDev, name: 'app-dev', parentId: workloads });
  world.org.createAccount({ id: SERVED_ACCOUNTS.sandbox, name: 'sandbox', parentId: outside });
  for (const id of Object.values(SERVED_ACCOUNTS)) world.iam.addAccount(id);
  // What doctor looks for in an organization ready for the stack.
  world.org.serviceAccess.add(STACKSETS_PRINCIPAL);
  world.org.rootPolicyTypes.set('SERVICE_CONTROL_POLICY', 'ENABLED');
  world.org.rootPolicyTypes.set('RESOURCE_CONTROL_POLICY', 'ENABLED');
  world.iam.addRole(MANAGEMENT_ACCOUNT, APPLIANCE_ROLE_ARN.split('/').pop()!);

  // Outside Lambda the CLI reads the secret with the SDK: Secrets Manager holds the simulator's user.
  const secrets = mockClient(SecretsManagerClient);
  secrets.on(GetSecretValueCommand).callsFake((input: { SecretId?: string }) => {
    if (input.SecretId !== world.env.VEEAM_SECRET_ID)
      throw new ResourceNotFoundException({
        message: "Secrets Manager can't find the specified secret.",
        $metadata: { httpStatusCode: 400 },
      });
    return { Name: input.SecretId, SecretString: JSON.stringify(DEFAULT_SIM_USER) };
  });
  // Lambda knows the extension layer of this region, for doctor's layer check.
  const layers = mockClient(LambdaClient);
  layers.on(GetLayerVersionByArnCommand).callsFake((input: { Arn?: string }) => {
    if (input.Arn !== LAYER_ARN)
      throw new NoLayer({ message: 'The resource you requested does not exist.', $metadata: { httpStatusCode: 404 } });
    return { LayerVersionArn: LAYER_ARN, Version: 17, CompatibleArchitectures: ['x86_64'] };
  });
  const gateway = await startAwsHttpGateway({ region: world.env.AWS_REGION });

  const env: Record<string, string> = {
    AWS_REGION: world.env.AWS_REGION!,
    // The fakes read the caller's account from the access key (FAKE<account>...): the management account here.
    AWS_ACCESS_KEY_ID: world.env.AWS_ACCESS_KEY_ID!,
    AWS_SECRET_ACCESS_KEY: world.env.AWS_SECRET_ACCESS_KEY!,
    ...endpointEnv(gateway.url),
    VEEAM_URL: world.veeam.url,
    VEEAM_CERT_SHA256: world.veeam.certSha256,
    VEEAM_SECRET_ID: world.env.VEEAM_SECRET_ID!,
    VEEAM_PRINCIPAL_ARN: APPLIANCE_ROLE_ARN,
    SCOPE_OU_IDS: workloads,
    OFFBOARD_MODE: 'unregister',
    PROPAGATION_WAIT_SECONDS: '0',
    SECRETS_EXTENSION_LAYER_ARN: LAYER_ARN,
  };
  out(`# veeam-org-sync sandbox: simulated AWS at ${gateway.url}, Veeam simulator at ${world.veeam.url}`);
  out(
    `# organization ${world.org.rootId}: Workloads ${workloads} (in scope: ${SERVED_ACCOUNTS.appProd}, ${SERVED_ACCOUNTS.appDev}), Sandbox ${outside} (${SERVED_ACCOUNTS.sandbox})`,
  );
  out('# In another terminal, paste the lines below, then try any command, e.g.');
  out('#   npx veeam-org-sync doctor; npx veeam-org-sync status; npx veeam-org-sync reconcile --dry-run;');
  out(
    `#   npx veeam-org-sync sync ${SERVED_ACCOUNTS.appProd}; npx veeam-org-sync rotate --account ${SERVED_ACCOUNTS.appProd} --force;`,
  );
  out('#   npx veeam-org-sync event test/fixtures/create-account-result-succeeded.json --dry-run');
  out('unset AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_REGION');
  for (const [k, v] of Object.entries(env)) out(`export ${k}=${quote(v)}`);
  out('# ready (Ctrl+C stops the sandbox)');

  let stopped: Promise<void> | undefined;
  return () =>
    (stopped ??= (async () => {
      await gateway.stop();
      secrets.restore();
      layers.restore();
      await world.stop();
    })());
}

/** The process around serve(): runs until SIGINT / SIGTERM, then stops everything and exits 0. */
export async function serveUntilSignalled(): Promise<void> {
  const stop = await serve();
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\nsandbox: ${signal}, stopping\n`);
    void stop().then(() => process.exit(0));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}
