import { sleep as realSleep } from './sleep';

/** Time as the service sees it: now (epoch ms) and a wait. */
export interface Clock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

const systemClock: Clock = { now: () => Date.now(), sleep: realSleep };
let current: Clock = systemClock;

/**
 * The clock the production wiring reads (buildDeps, member access). Always the system clock in Lambda and the CLI;
 * the simulated world (sim/world.ts) swaps in a virtual one so a test can let minutes of retries pass in
 * milliseconds, with the same code deciding when to wait.
 */
export const clock: Clock = { now: () => current.now(), sleep: (ms) => current.sleep(ms) };

/** Installs a clock for the whole process (simulators only); no argument restores the system clock. */
export function useClock(replacement?: Clock): void {
  current = replacement ?? systemClock;
}
