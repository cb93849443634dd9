import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  StartMessageMoveTaskCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { StackOutputs } from './stack';

export type DlqName = 'events' | 'intake' | 'worker';
export const DLQ_NAMES: DlqName[] = ['events', 'intake', 'worker'];

export interface ParkedMessage {
  queue: DlqName;
  messageId: string;
  /** When it was first sent (ISO), as SQS records it. */
  sentAt?: string;
  receiveCount?: number;
  /** The account the message is about, when the body names one. */
  accountId?: string;
  reason: { code: string; message: string };
  body: string;
}

export function dlqUrl(outputs: StackOutputs, queue: DlqName): string {
  return { events: outputs.eventsDlqUrl, intake: outputs.intakeDlqUrl, worker: outputs.workerDlqUrl }[queue];
}

/** Long enough to page through a DLQ without seeing a message twice; every message is released at the end. */
const PEEK_VISIBILITY_SECONDS = 30;

function parseBody(body: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(body);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why a message is parked, from what each path writes: our DLQ writers and EventBridge set ERROR_CODE /
 * ERROR_MESSAGE attributes; a Lambda failure destination writes a record whose responsePayload holds the error; a
 * message moved by the account queue's redrive policy carries nothing, so its receive count is the reason.
 */
export function reasonOf(m: Message, queue: DlqName): ParkedMessage['reason'] {
  const attr = (n: string) => m.MessageAttributes?.[n]?.StringValue;
  if (attr('ERROR_CODE') || attr('ERROR_MESSAGE'))
    return { code: attr('ERROR_CODE') ?? 'Unknown', message: attr('ERROR_MESSAGE') ?? '(no message)' };
  const body = parseBody(m.Body ?? '');
  const ctx = body?.requestContext as { condition?: string; functionArn?: string } | undefined;
  const response = body?.responsePayload as { errorType?: string; errorMessage?: string } | undefined;
  if (ctx?.condition)
    return {
      code: response?.errorType ?? ctx.condition,
      message: `${ctx.functionArn ?? 'a function'} failed (${ctx.condition})${response?.errorMessage ? `: ${response.errorMessage}` : ''}`,
    };
  if (queue === 'worker')
    return {
      code: 'MaxReceiveCountExceeded',
      message: 'moved here by the account queue after maxReceiveCount failed deliveries (see the worker logs)',
    };
  return { code: 'Unknown', message: 'no reason recorded with the message' };
}

/**
 * Lists a DLQ without consuming it: each message is received with a short visibility timeout (so paging does not
 * see it twice) and made visible again at once with ChangeMessageVisibility 0. Peeking counts as a receive
 * (ApproximateReceiveCount grows); the DLQs have no redrive policy of their own, so nothing else changes.
 */
export async function peekDlq(sqs: SQSClient, queue: DlqName, url: string, max: number): Promise<ParkedMessage[]> {
  const held: Message[] = [];
  const seen = new Set<string>();
  try {
    while (held.length < max) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: Math.min(10, max - held.length),
          VisibilityTimeout: PEEK_VISIBILITY_SECONDS,
          // A short long-poll asks every SQS server; a 0 s poll samples a few and may miss messages.
          WaitTimeSeconds: 1,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
        }),
      );
      const fresh = (out.Messages ?? []).filter((m) => m.MessageId && !seen.has(m.MessageId));
      if (!fresh.length) break;
      for (const m of fresh) {
        seen.add(m.MessageId!);
        held.push(m);
      }
    }
  } finally {
    for (let i = 0; i < held.length; i += 10) {
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: url,
          Entries: held.slice(i, i + 10).map((m, n) => ({
            Id: String(n),
            ReceiptHandle: m.ReceiptHandle!,
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
  }
  return held.map((m) => {
    const body = parseBody(m.Body ?? '');
    const sent = Number(m.Attributes?.SentTimestamp);
    const count = Number(m.Attributes?.ApproximateReceiveCount);
    return {
      queue,
      messageId: m.MessageId!,
      ...(sent ? { sentAt: new Date(sent).toISOString() } : {}),
      ...(count ? { receiveCount: count } : {}),
      ...(typeof body?.accountId === 'string' ? { accountId: body.accountId } : {}),
      reason: reasonOf(m, queue),
      body: m.Body ?? '',
    };
  });
}

/** Messages waiting, in flight and delayed: zero when the worker has handled everything sent so far. */
export async function queueDepth(sqs: SQSClient, url: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  const a = out.Attributes ?? {};
  return (
    Number(a.ApproximateNumberOfMessages ?? 0) +
    Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(a.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}

/** Moves the worker DLQ back to the account queue (SQS's own redrive task); returns the task handle. */
export async function redriveWorkerDlq(
  sqs: SQSClient,
  outputs: StackOutputs,
): Promise<{ taskHandle: string; messages: number }> {
  const messages = await queueDepth(sqs, outputs.workerDlqUrl);
  const out = await sqs.send(
    new StartMessageMoveTaskCommand({ SourceArn: outputs.workerDlqArn, DestinationArn: outputs.accountQueueArn }),
  );
  return { taskHandle: out.TaskHandle ?? '', messages };
}
