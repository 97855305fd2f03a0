import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Replaces the SDK's default credential chain in the Lambda bundles (an esbuild alias of
 * `@aws-sdk/credential-provider-node`, see lib/house-function.ts). Lambda always puts the
 * execution role's credentials in the environment, so the chain's SSO, INI, process, web
 * identity and IMDS providers (and the STS/SSO clients they pull in, ~90 KB) are dead weight
 * in every cold start. The local runtime and tests run unbundled and keep the full chain.
 */
export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);
