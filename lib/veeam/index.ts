export { createVeeamClient, loggedInVeeamClient, type VeeamClient, type VeeamClientOptions, type VeeamLogger } from './client';
export { ensureRegistration, unregister, findEntry, isOwnedEntry, entryFingerprint, entryName, entryDescription, parseEntryDescription, type DesiredRegistration, type RegistrationResult, type UnregisterResult } from './registration';
export { resetVeeamSessions } from './session-cache';
export { destroyAgents } from './tls';
export type { VeeamApi, VeeamEntry, VeeamEntrySpec, ValidationMessage, VeeamSession } from './types';
