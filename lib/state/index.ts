export type { StateStore, StoredItem } from './types';
export { updateState, type StateDecision } from './update-state';
export { StateContentionError } from './errors';
