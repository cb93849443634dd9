import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * The AWS SDK's default credential chain as it resolves inside Lambda, and only there: the function bundles use this
 * in place of `@aws-sdk/credential-provider-node` (esbuild-plugins.cjs). Lambda hands every function its execution
 * role's credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, the chain's first link; the
 * other links (SSO, profiles, web identity, credential process, container and instance metadata) never answer there
 * and were a third of every bundle. The CLI, the sandbox and the tests run from source with the full chain. Should a
 * Lambda environment ever hand credentials another way, the SDK's error says it found none in those variables.
 */
export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]): ReturnType<typeof fromEnv> => fromEnv(init);
