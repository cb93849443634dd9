import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient, type InvokeCommandInput } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  StartMessageMoveTaskCommand,
  type ChangeMessageVisibilityBatchCommandInput,
  type Message,
  type ReceiveMessageCommandInput,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli, type CliIo } from '../../bin/cli';
import type { AccountReport } from '../../lib/account/account-report';
import { installSqsFake } from '../../sim/aws/sqs-fake';

const A = '444455556666';
const REGION = 'eu-west-1';
const base = `https://sqs.${REGION}.amazonaws.com/111111111111/veeam-org-sync-prod`;
const arn = (q: string) => `arn:aws:sqs:${REGION}:111111111111:veeam-org-sync-prod-${q}`;
const OUT = {
  AccountQueueUrl: `${base}-accounts.fifo`,
  AccountQueueArn: arn('accounts.fifo'),
  WorkerDlqUrl: `${base}-worker-dlq.fifo`,
  WorkerDlqArn: arn('worker-dlq.fifo'),
  IntakeDlqUrl: `${base}-intake-dlq`,
  EventsDlqUrl: `${base}-events-dlq`,
  ReconcileFunctionName: 'veeam-org-sync-prod-reconcile',
  RotateFunctionName: 'veeam-org-sync-prod-rotate',
  ExternalIdMaxAgeDays: '90',
};

function accountReport(action: AccountReport['action'], overrides: Partial<AccountReport> = {}): AccountReport {
  const state = action === 'ok' ? 'ok' : 'created';
  return {
    accountId: A,
    inScope: true,
    scopeReason: 'in scope',
    action,
    dryRun: true,
    roles: ['backup', 'worker'].map((bp) => ({
      blueprint: bp,
      roleName: bp === 'backup' ? 'VeeamBackupRole' : 'VeeamWorkerRole',
      role: state,
      veeam: state,
      changes: [],
      externalIdAgeDays: action === 'ok' ? 120 : 0,
    })),
    ...overrides,
  };
}

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const slept: number[] = [];
  let t = Date.parse('2026-11-30T10:00:00Z');
  const c: CliIo = {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    env: {},
    now: () => t,
    sleep: (ms) => {
      slept.push(ms);
      t += ms;
      return Promise.resolve();
    },
  };
  return { out, err, slept, io: c };
}

/** A DLQ as SQS keeps it: receiving hides a message for VisibilityTimeout, ChangeMessageVisibility 0 shows it again. */
function dlqState() {
  const queues = new Map<string, Array<Message & { hidden: boolean }>>();
  return {
    queues,
    put(url: string, m: Message) {
      queues.set(url, [...(queues.get(url) ?? []), { ...m, ReceiptHandle: `rh-${m.MessageId}`, hidden: false }]);
    },
    receive(input: ReceiveMessageCommandInput) {
      const visible = (queues.get(input.QueueUrl!) ?? []).filter((m) => !m.hidden).slice(0, input.MaxNumberOfMessages);
      for (const m of visible) m.hidden = (input.VisibilityTimeout ?? 30) > 0;
      return { Messages: visible.map(({ hidden: _hidden, ...m }) => m) };
    },
    release(input: ChangeMessageVisibilityBatchCommandInput) {
      for (const e of input.Entries ?? [])
        for (const m of queues.get(input.QueueUrl!) ?? [])
          if (m.ReceiptHandle === e.ReceiptHandle && e.VisibilityTimeout === 0) m.hidden = false;
      return { Successful: (input.Entries ?? []).map((e) => ({ Id: e.Id })), Failed: [] };
    },
  };
}

describe('remote mode: the CLI acts through the deployed stack (--stack NAME)', () => {
  const cfn = mockClient(CloudFormationClient);
  const lambda = mockClient(LambdaClient);
  let sqs: ReturnType<typeof installSqsFake>;
  let dlq: ReturnType<typeof dlqState>;
  let depth: number[];
  const invoked: Array<{ fn: string; payload: unknown }> = [];
  let answer: (fn: string, payload: unknown) => { payload: unknown; error?: string };

  beforeEach(() => {
    cfn.reset();
    lambda.reset();
    sqs = installSqsFake();
    dlq = dlqState();
    depth = [0];
    invoked.length = 0;
    cfn.on(DescribeStacksCommand, { StackName: 'prod' }).resolves({
      Stacks: [
        {
          StackName: 'prod',
          CreationTime: new Date(),
          StackStatus: 'UPDATE_COMPLETE',
          Outputs: Object.entries(OUT).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
        },
      ],
    });
    cfn
      .on(DescribeStacksCommand, { StackName: 'nope' })
      .rejects(Object.assign(new Error('Stack with id nope does not exist'), { name: 'ValidationError' }));
    cfn.on(DescribeStacksCommand, { StackName: 'old' }).resolves({
      Stacks: [
        {
          StackName: 'old',
          CreationTime: new Date(),
          StackStatus: 'UPDATE_COMPLETE',
          Outputs: [{ OutputKey: 'AccountQueueUrl', OutputValue: OUT.AccountQueueUrl }],
        },
      ],
    });
    lambda.on(InvokeCommand).callsFake((input: InvokeCommandInput) => {
      const payload: unknown = JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array));
      invoked.push({ fn: input.FunctionName!, payload });
      const a = answer(input.FunctionName!, payload);
      return {
        StatusCode: 200,
        ...(a.error ? { FunctionError: 'Unhandled' } : {}),
        Payload: new TextEncoder().encode(JSON.stringify(a.payload)),
      };
    });
    sqs.stub.on(GetQueueAttributesCommand).callsFake((i: { QueueUrl?: string }) => ({
      Attributes: {
        ApproximateNumberOfMessages: dlq.queues.has(i.QueueUrl!)
          ? String(dlq.queues.get(i.QueueUrl!)!.length)
          : String(depth.length > 1 ? depth.shift() : depth[0]),
        ApproximateNumberOfMessagesNotVisible: '0',
        ApproximateNumberOfMessagesDelayed: '0',
      },
    }));
    sqs.stub.on(ReceiveMessageCommand).callsFake((i: ReceiveMessageCommandInput) => dlq.receive(i));
    sqs.stub
      .on(ChangeMessageVisibilityBatchCommand)
      .callsFake((i: ChangeMessageVisibilityBatchCommandInput) => dlq.release(i));
    sqs.stub.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-1' });
    answer = () => ({ payload: null });
  });
  afterEach(() => sqs.restore());
  afterAll(() => {
    cfn.restore();
    lambda.restore();
  });

  it('sync enqueues a request on the account queue, grouped by account, and a second one is not swallowed', async () => {
    const c = io();
    expect(await runCli(['sync', A, '--stack', 'prod', '--region', REGION, '--json'], c.io)).toBe(0);
    expect(JSON.parse(c.out[0]!)).toMatchObject({
      schemaVersion: 1,
      command: 'sync',
      exitCode: 0,
      stack: 'prod',
      enqueued: [{ accountId: A, action: 'sync', reason: 'manual' }],
    });
    const again = io();
    again.io.now = () => Date.parse('2026-11-30T10:01:00Z');
    expect(await runCli(['sync', A, '--stack', 'prod'], again.io)).toBe(0);
    const sent = sqs.messages(OUT.AccountQueueUrl);
    expect(sent).toHaveLength(2);
    expect(sent.map((m) => m.groupId)).toEqual([A, A]);
    expect(JSON.parse(sent[0]!.body)).toEqual({ accountId: A, action: 'sync', reason: 'manual' });
  });

  it('sync --wait waits until the worker has drained the queue, then prints the account as it now is', async () => {
    depth = [1, 1, 0, 0];
    answer = () => ({ payload: { dryRun: true, accounts: [accountReport('ok')], notProtected: [] } });
    const c = io();
    expect(await runCli(['sync', A, '--stack', 'prod', '--wait'], c.io)).toBe(0);
    expect(c.slept.length).toBeGreaterThanOrEqual(2);
    expect(invoked).toEqual([{ fn: OUT.ReconcileFunctionName, payload: { dryRun: true, accountIds: [A] } }]);
    expect(c.out.join('\n')).toMatch(new RegExp(`${A}\\s+in scope\\s+ok`));
  });

  it('sync --wait reports a request the worker dead-lettered, with its reason, and exits 1', async () => {
    dlq.put(OUT.WorkerDlqUrl, {
      MessageId: 'm1',
      Body: JSON.stringify({ accountId: A, action: 'sync', reason: 'manual' }),
      Attributes: { SentTimestamp: String(Date.parse('2026-11-30T10:00:30Z')), ApproximateReceiveCount: '1' },
      MessageAttributes: {
        ERROR_CODE: { DataType: 'String', StringValue: 'MemberAccessDenied' },
        ERROR_MESSAGE: { DataType: 'String', StringValue: 'no configured role could be assumed' },
      },
    });
    answer = () => ({ payload: { dryRun: true, accounts: [accountReport('create')], notProtected: [] } });
    const c = io();
    expect(await runCli(['sync', A, '--stack', 'prod', '--wait'], c.io)).toBe(1);
    expect(c.out.join('\n')).toMatch(
      /parked in the worker DLQ: MemberAccessDenied: no configured role could be assumed/,
    );
    expect(dlq.queues.get(OUT.WorkerDlqUrl)!.every((m) => !m.hidden)).toBe(true);
  });

  it('sync --wait exits 3 when the worker held the offboarding (the account is still held after it ran)', async () => {
    depth = [0, 0];
    const reason =
      'offboarding held: the offboarding budget is spent (5 of 5 accounts in the last 24 hours, OFFBOARD_MAX_PER_RUN, ' +
      `stack parameter offboardMaxPerRun); nothing was removed. ... confirm with \`veeam-org-sync reconcile --account ${A} --allow-offboard 1\``;
    answer = () => ({
      payload: {
        dryRun: true,
        accounts: [
          accountReport('held', { inScope: false, scopeReason: 'outside SCOPE_OU_IDS', roles: [], held: reason }),
        ],
        notProtected: [],
      },
    });
    const c = io();
    expect(await runCli(['sync', A, '--stack', 'prod', '--wait'], c.io)).toBe(3);
    expect(c.out.join('\n')).toMatch(new RegExp(`${A}\\s+out of scope\\s+held.*--account ${A} --allow-offboard 1`));
  });

  it('sync --wait gives up after --timeout with exit 1; the request stays queued', async () => {
    depth = [3];
    const c = io();
    expect(await runCli(['sync', A, '--stack', 'prod', '--wait', '--timeout', '20', '--json'], c.io)).toBe(1);
    expect(JSON.parse(c.out[0]!)).toMatchObject({ exitCode: 1, error: { code: 'WaitTimeout' } });
    expect(sqs.messages(OUT.AccountQueueUrl)).toHaveLength(1);
  });

  it('rotate --account enqueues forced rotations; without --account the deployed rotate function picks the due ones', async () => {
    const c = io();
    expect(await runCli(['rotate', '--account', A, '--force', '--stack', 'prod'], c.io)).toBe(0);
    expect(JSON.parse(sqs.messages(OUT.AccountQueueUrl)[0]!.body)).toEqual({
      accountId: A,
      action: 'rotate',
      reason: 'manual',
      force: true,
    });
    answer = () => ({ payload: { enqueued: 1, accounts: [A], deferred: 0 } });
    const all = io();
    expect(await runCli(['rotate', '--stack', 'prod'], all.io)).toBe(0);
    expect(invoked).toEqual([{ fn: OUT.RotateFunctionName, payload: {} }]);
    expect(all.out.join('\n')).toMatch(new RegExp(`Enqueued 1 rotation\\(s\\) on prod: ${A}`));
  });

  it('reconcile invokes the reconcile function and prints its report; a held guard exits 3, --allow-offboard passes', async () => {
    const guard = { held: true, wouldOffboard: 7, limit: 5, accounts: ['100000000001', '100000000002'] };
    answer = () => ({
      payload: {
        dryRun: false,
        mode: 'fan-out',
        totals: { ok: 1, offboard: 7 },
        accounts: [{ accountId: A, action: 'ok', reason: 'in scope' }],
        notProtected: [],
        enqueued: 0,
        veeamLogins: 1,
        offboardGuard: guard,
      },
    });
    const c = io();
    expect(await runCli(['reconcile', '--stack', 'prod'], c.io)).toBe(3);
    expect(c.out.join('\n')).toMatch(
      /Offboarding held: 7 accounts would be offboarded.*OFFBOARD_MAX_PER_RUN.*--allow-offboard 7/,
    );
    const j = io();
    expect(await runCli(['reconcile', '--stack', 'prod', '--allow-offboard', '7', '--json'], j.io)).toBe(3);
    expect(JSON.parse(j.out[0]!)).toMatchObject({
      command: 'reconcile',
      exitCode: 3,
      report: { offboardGuard: guard },
    });
    expect(invoked.map((i) => i.payload)).toEqual([{ dryRun: false }, { dryRun: false, allowOffboard: 7 }]);
  });

  it('a function error is exit 1, or 2 when the function refused its input', async () => {
    answer = () => ({
      error: 'x',
      payload: { errorType: 'InvalidInputError', errorMessage: 'reconcile input is invalid' },
    });
    const c = io();
    expect(await runCli(['reconcile', '--stack', 'prod', '--dry-run'], c.io)).toBe(2);
    expect(c.err.join('\n')).toMatch(/veeam-org-sync-prod-reconcile failed: reconcile input is invalid/);
    answer = () => ({ error: 'x', payload: { errorType: 'Error', errorMessage: 'Veeam is down' } });
    expect(await runCli(['reconcile', '--stack', 'prod', '--dry-run'], io().io)).toBe(1);
  });

  it('status asks the deployed reconcile for a deep dry run and prints totals and the unprotected accounts', async () => {
    answer = () => ({
      payload: {
        dryRun: true,
        accounts: [accountReport('ok'), accountReport('create', { accountId: '777788889999' })],
        notProtected: [],
      },
    });
    const c = io();
    expect(await runCli(['status', '--stack', 'prod'], c.io)).toBe(0);
    expect(invoked[0]!.payload).toEqual({ dryRun: true, deep: true });
    const text = c.out.join('\n');
    expect(text).toMatch(/Totals: 2 in scope, 1 protected, 1 not protected, 0 conflicts, 1 rotation due/);
    expect(text).toMatch(/Not protected:\n {2}777788889999 {2}.*missing.*would create/);
  });

  it('dlq list shows every parked message with its reason and leaves them in their queues', async () => {
    dlq.put(OUT.WorkerDlqUrl, {
      MessageId: 'w1',
      Body: JSON.stringify({ accountId: A, action: 'sync', reason: 'CreateAccountResult' }),
      Attributes: { SentTimestamp: '1764496800000', ApproximateReceiveCount: '2' },
      MessageAttributes: {
        ERROR_CODE: { DataType: 'String', StringValue: 'RoleConflict' },
        ERROR_MESSAGE: { DataType: 'String', StringValue: 'VeeamBackupRole exists and is not ours' },
      },
    });
    dlq.put(OUT.WorkerDlqUrl, {
      MessageId: 'w2',
      Body: JSON.stringify({ accountId: '777788889999', action: 'sync', reason: 'x' }),
    });
    dlq.put(OUT.IntakeDlqUrl, {
      MessageId: 'i1',
      Body: JSON.stringify({
        requestContext: { condition: 'RetriesExhausted', functionArn: 'arn:aws:lambda:eu-west-1:1:function:rec' },
        responsePayload: { errorType: 'ConfigError', errorMessage: 'VEEAM_URL is required' },
      }),
    });
    dlq.put(OUT.EventsDlqUrl, {
      MessageId: 'e1',
      Body: '{}',
      MessageAttributes: {
        ERROR_CODE: { DataType: 'String', StringValue: 'ResourceNotFoundException' },
        ERROR_MESSAGE: { DataType: 'String', StringValue: 'Function not found' },
      },
    });
    const c = io();
    expect(await runCli(['dlq', 'list', '--stack', 'prod', '--json'], c.io)).toBe(0);
    const d = JSON.parse(c.out[0]!) as {
      messages: Array<{ queue: string; messageId: string; reason: { code: string } }>;
    };
    expect(d.messages.map((m) => [m.queue, m.messageId, m.reason.code])).toEqual([
      ['events', 'e1', 'ResourceNotFoundException'],
      ['intake', 'i1', 'ConfigError'],
      ['worker', 'w1', 'RoleConflict'],
      ['worker', 'w2', 'MaxReceiveCountExceeded'],
    ]);
    for (const q of dlq.queues.values()) expect(q.every((m) => !m.hidden)).toBe(true);

    const text = io();
    expect(await runCli(['dlq', 'list', '--stack', 'prod', '--queue', 'worker'], text.io)).toBe(0);
    expect(text.out.join('\n')).toMatch(
      new RegExp(`worker DLQ: 2 message\\(s\\) shown\\n.*${A}  RoleConflict: VeeamBackupRole exists and is not ours`),
    );
    expect(text.out.join('\n')).toMatch(/dlq redrive --stack prod/);
  });

  it('dlq redrive moves the worker DLQ back to the account queue with SQS’s move task', async () => {
    depth = [2];
    const c = io();
    expect(await runCli(['dlq', 'redrive', '--stack', 'prod', '--json'], c.io)).toBe(0);
    expect(sqs.stub.commandCalls(StartMessageMoveTaskCommand)[0]!.args[0].input).toEqual({
      SourceArn: OUT.WorkerDlqArn,
      DestinationArn: OUT.AccountQueueArn,
    });
    expect(JSON.parse(c.out[0]!)).toMatchObject({ command: 'dlq redrive', taskHandle: 'task-1', messages: 2 });
  });

  it('an unknown stack or one without the outputs exits 2 and says what to do', async () => {
    const c = io();
    expect(await runCli(['dlq', 'list', '--stack', 'nope'], c.io)).toBe(2);
    expect(c.err.join('\n')).toMatch(/stack "nope" does not exist.*--region/);
    const old = io();
    expect(await runCli(['dlq', 'list', '--stack', 'old'], old.io)).toBe(2);
    expect(old.err.join('\n')).toMatch(
      /stack "old" lacks the outputs AccountQueueArn, WorkerDlqUrl.*deploy this version/,
    );
  });
});
