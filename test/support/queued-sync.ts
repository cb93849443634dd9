import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { APPLIANCE_ROLE_ARN, QUEUES, type World } from '../../sim/world';

const sqs = new SQSClient({ region: 'us-east-1' });
let seq = 0;

/** Puts a sync request for one account on the world's account queue, as the intake does for an event. */
export async function enqueueSync(accountId: string): Promise<void> {
  seq++;
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: QUEUES.account,
      MessageBody: JSON.stringify({ action: 'sync', reason: 'test', accountId, eventId: `ev-${seq}` }),
      MessageGroupId: accountId,
      MessageDeduplicationId: `d-${seq}`,
    }),
  );
}

/** Both entries registered, and the appliance can assume each role with the external ID it holds. */
export function protectedIn(world: World, id: string): boolean {
  const entries = world.veeam.state.list().filter((e) => e.accountId === id);
  return (
    entries.length === 2 && entries.every((e) => world.iam.canAssume(id, e.roleName, APPLIANCE_ROLE_ARN, e.externalId))
  );
}
