import {
  type DetailReader,
  closeAccountStatusAccount,
  createAccountStatusAccount,
  createAccountStatusState,
  managedAccountStatus,
  membershipAccount,
  requestParametersAccount,
} from './schemas';

/** How to read one handled event: where its account id is and, for asynchronous results, whether it succeeded. */
export interface HandledEvent {
  source: 'aws.organizations' | 'aws.controltower';
  eventName: string;
  /** Extracts the final state; anything but SUCCEEDED means nothing changed, so the event is ignored. */
  state?: DetailReader;
  account: DetailReader;
}

const managedCreated = managedAccountStatus('createManagedAccountStatus');
const managedUpdated = managedAccountStatus('updateManagedAccountStatus');

/** Every event the rules in events/patterns.yml let through, and nothing else. */
export const HANDLED_EVENTS: readonly HandledEvent[] = [
  {
    source: 'aws.organizations',
    eventName: 'CreateAccountResult',
    state: createAccountStatusState,
    account: createAccountStatusAccount,
  },
  { source: 'aws.organizations', eventName: 'MoveAccount', account: requestParametersAccount },
  { source: 'aws.organizations', eventName: 'RemoveAccountFromOrganization', account: requestParametersAccount },
  { source: 'aws.organizations', eventName: 'CloseAccount', account: requestParametersAccount },
  { source: 'aws.organizations', eventName: 'CloseAccountResult', account: closeAccountStatusAccount },
  { source: 'aws.organizations', eventName: 'AccountJoinedOrganization', account: membershipAccount('joined') },
  { source: 'aws.organizations', eventName: 'AccountDepartedOrganization', account: membershipAccount('departed') },
  {
    source: 'aws.controltower',
    eventName: 'CreateManagedAccount',
    state: managedCreated.state,
    account: managedCreated.account,
  },
  {
    source: 'aws.controltower',
    eventName: 'UpdateManagedAccount',
    state: managedUpdated.state,
    account: managedUpdated.account,
  },
];

export function findHandledEvent(source: string, eventName: string): HandledEvent | undefined {
  return HANDLED_EVENTS.find((e) => e.source === source && e.eventName === eventName);
}
