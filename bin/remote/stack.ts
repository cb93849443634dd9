import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { OperatorInputError } from '../failure';
import { savedRegion } from './saved-region';

/** The stack outputs remote mode needs (serverless.yml Outputs); older stacks lack some: redeploy. */
const OUTPUTS = {
  accountQueueUrl: 'AccountQueueUrl',
  accountQueueArn: 'AccountQueueArn',
  workerDlqUrl: 'WorkerDlqUrl',
  workerDlqArn: 'WorkerDlqArn',
  intakeDlqUrl: 'IntakeDlqUrl',
  eventsDlqUrl: 'EventsDlqUrl',
  reconcileFunctionName: 'ReconcileFunctionName',
  rotateFunctionName: 'RotateFunctionName',
} as const;

export type StackOutputs = Record<keyof typeof OUTPUTS, string>;

/** Every output key remote mode reads (the template test checks the stack has them). */
export const STACK_OUTPUT_KEYS: string[] = [...Object.values(OUTPUTS), 'ExternalIdMaxAgeDays'];

export interface Remote {
  stack: string;
  region?: string;
  outputs: StackOutputs;
  /** The stack's EXTERNAL_ID_MAX_AGE_DAYS (output ExternalIdMaxAgeDays), for "rotation due" in status. */
  externalIdMaxAgeDays?: number;
  sqs: SQSClient;
  /** Invokes a function synchronously and returns its parsed answer; a function error is thrown with its message. */
  invoke<T>(functionName: string, payload: unknown): Promise<T>;
}

/** A function of the deployed stack answered with an error (its own type and message). */
export class RemoteFunctionError extends Error {
  /** The function refused its input or its configuration: exit code 2, like the same problem in-process. */
  readonly operatorMustFix: boolean;
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RemoteFunctionError';
    this.operatorMustFix = /^(InvalidInputError|ConfigError)$/.test(code);
  }
}

const RETRY = { retryMode: 'standard', maxAttempts: 5 } as const;

export async function openStack(stack: string, given: string | undefined): Promise<Remote> {
  const region = given ?? savedRegion(stack);
  const where = region ? { region } : {};
  const cfn = new CloudFormationClient({ ...RETRY, ...where });
  let described;
  try {
    described = await cfn.send(new DescribeStacksCommand({ StackName: stack }));
  } catch (err) {
    if ((err as { name?: string }).name === 'ValidationError' && /does not exist/i.test((err as Error).message))
      throw new OperatorInputError(
        'StackNotFound',
        `stack "${stack}" does not exist in ${region ?? 'the default region'}: check --stack (the CloudFormation stack name, e.g. veeam-org-sync-prod) and --region`,
        { cause: err },
      );
    throw err;
  }
  const found = described.Stacks?.[0];
  const byKey = new Map((found?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  const missing = Object.values(OUTPUTS).filter((k) => !byKey.get(k));
  if (!found || missing.length)
    throw new OperatorInputError(
      'StackOutputsMissing',
      `stack "${stack}" lacks the output${missing.length === 1 ? '' : 's'} ${missing.join(', ')}: deploy this version of veeam-org-sync to it (npx serverless deploy) and try again`,
    );
  const outputs = Object.fromEntries(Object.entries(OUTPUTS).map(([k, v]) => [k, byKey.get(v)!])) as StackOutputs;
  const lambda = new LambdaClient({ ...RETRY, ...where });
  const maxAge = Number(byKey.get('ExternalIdMaxAgeDays'));
  return {
    stack,
    ...(maxAge > 0 ? { externalIdMaxAgeDays: maxAge } : {}),
    ...(region ? { region } : {}),
    outputs,
    sqs: new SQSClient({ ...RETRY, ...where }),
    async invoke<T>(functionName: string, payload: unknown): Promise<T> {
      const out = await lambda.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify(payload)),
        }),
      );
      const text = out.Payload ? new TextDecoder().decode(out.Payload) : 'null';
      if (out.FunctionError) {
        let body: { errorType?: string; errorMessage?: string } = {};
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          body = { errorMessage: text };
        }
        throw new RemoteFunctionError(
          body.errorType ?? out.FunctionError,
          `${functionName} failed: ${body.errorMessage ?? out.FunctionError}`,
        );
      }
      return JSON.parse(text) as T;
    },
  };
}
