/** The one real-time wait; callers take an injectable `sleep` so tests never wait for real. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
