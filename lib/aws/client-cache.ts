const clients = new Map<string, unknown>();

/**
 * The service's own client of one AWS service, created once per container so connections and resolved credentials are
 * reused across invocations. No `endpoint` is set: the SDK honours AWS_ENDPOINT_URL(_<SERVICE>) by itself, so the same
 * code runs against any AWS-compatible endpoint. Each service has a module of its own (sqs-client.ts, ...): a
 * function's bundle holds the clients it uses and, with a dynamic import, loads one only when it first needs it.
 */
export function cachedClient<T>(service: string, create: () => T): T {
  if (!clients.has(service)) clients.set(service, create());
  return clients.get(service) as T;
}

/** Forget the cached clients (tests that change the environment between cases). */
export function resetAwsClients(): void {
  clients.clear();
}
