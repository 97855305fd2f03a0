/**
 * The SDK's logger middleware copies every input and output through the sensitive-data
 * filter on each call, for a logger these clients never get (ours log what they choose). On
 * the hot paths (a post per connection, a state write per delivery) that copy was about 5%
 * of the SDK's CPU per call, so those clients go without it.
 */
export function withoutSdkLogging<T extends { middlewareStack: { remove(name: string): boolean } }>(
  client: T,
): T {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}
