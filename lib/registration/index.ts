export { entryDescription, entryFingerprint, entryName, entryOwner, parseEntryDescription } from './marker';
export {
  ensureRegistration,
  findEntry,
  unregister,
  type DesiredRegistration,
  type RegistrationResult,
  type UnregisterResult,
} from './registration';
