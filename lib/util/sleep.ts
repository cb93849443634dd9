export type Sleep = (ms: number) => Promise<void>;

/** The one real-time wait; callers take an injectable `sleep` so tests never wait for real. */
export const sleep: Sleep = (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms));
