import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { packageTemplate, ROOT } from './cfn';
import { failedDeploy, packagedStackParameters, serverless } from './deploy';

/** A stage of its own (config/<stage>.yml is shared with every run in this checkout), removed afterwards. */
const stage = `jest${process.pid}`;
const file = join(ROOT, 'config', `${stage}.yml`);
const example = parse(readFileSync(join(ROOT, 'config', 'example.yml'), 'utf8')) as Record<string, unknown>;
afterAll(() => rmSync(file, { force: true }));

describe('saved configuration: `serverless deploy --stage <stage>` with nothing retyped', () => {
  it('passes every value of config/<stage>.yml as a stack parameter, and deploys to its region, with no --param', async () => {
    writeFileSync(file, stringify(example));
    const passed = await packagedStackParameters(stage);
    expect(passed).toMatchObject({
      region: 'eu-central-1',
      OrgId: example.orgId,
      VeeamUrl: example.veeamUrl,
      SubnetIds: 'subnet-0a1b2c3d,subnet-4e5f6a7b',
      SecurityGroupIds: 'sg-0123abcd',
      StackSetCallAs: 'DELEGATED_ADMIN',
      // Not in the file: the template default, passed explicitly (an upgrade never keeps a stale value by omission).
      OffboardMode: 'retain',
    });
  }, 300_000);

  it('refuses to deploy when a required value is left out of the file, naming it, before any AWS call', async () => {
    const { veeamPrincipalArn: _left, ...partial } = example;
    writeFileSync(file, stringify(partial));
    const output = await failedDeploy(['--stage', stage]);
    expect(output).toMatch(
      new RegExp(`Not deployed: 1 setting to fix in config/${stage}\\.yml:\\n- VeeamPrincipalArn is required`),
    );
    expect(output).not.toMatch(/ECONNREFUSED/);
  }, 300_000);

  it('refuses a setting the stack does not know, naming the file and the key', async () => {
    writeFileSync(file, stringify({ ...example, subnetId: 'subnet-0a1b2c3d' }));
    const output = await failedDeploy(['--stage', stage]);
    expect(output).toMatch(new RegExp(`config/${stage}\\.yml: unknown setting subnetId`));
    expect(output).not.toMatch(/ECONNREFUSED/);
  }, 300_000);
});

describe('the first deployment of a new stage', () => {
  it('creates the stack from a core template that declares every parameter passed to it', async () => {
    // osls creates a new stack from its core template (the deployment bucket) with the same stack parameters, and
    // CloudFormation refuses a parameter the template does not declare.
    const { ParameterValues: passed = {}, CoreParameters: declared = [] } = await packageTemplate();
    expect(Object.keys(passed).length).toBeGreaterThan(30);
    expect([...declared].sort()).toEqual(Object.keys(passed).sort());
  }, 300_000);
});

describe('stacks without code (management, forwarder)', () => {
  it('create no deployment bucket when config/<stage>.yml names an existing bucket for the template', async () => {
    writeFileSync(
      file,
      stringify({ ...example, forwarder: { ...(example.forwarder as object), deploymentBucket: 'acme-templates' } }),
    );
    const out = mkdtempSync(join(tmpdir(), 'veeam-org-sync-forwarder-'));
    const { code, output } = await serverless(['package', '--stage', stage, '--package', out], join(ROOT, 'forwarder'));
    expect([code, output]).toEqual([0, expect.any(String)]);
    const template = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as {
      Resources: Record<string, { Type: string }>;
    };
    expect(Object.values(template.Resources).filter((r) => r.Type.startsWith('AWS::S3::'))).toEqual([]);
  }, 300_000);
});
