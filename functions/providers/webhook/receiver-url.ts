import { ProviderError } from '../../core/errors';
import { addressKind, refusalOf } from './address-guard';
import { hostOf, type Resolve, type ResolvedAddress } from './pinned-http';

/** A refusal no retry can change: the delivery ends `failed` with this reason. */
export function refused(why: string): ProviderError {
  return new ProviderError(`webhook delivery refused: ${why}`, undefined, { permanent: true });
}

/**
 * Checks a customer URL before anything connects to it ([G] README WH-7): https (http only to
 * loopback, and only where the local runtime allows loopback), then every address its host
 * resolves to. Answers the one address the connection is pinned to.
 */
export async function vetReceiver(
  rawUrl: string,
  options: { allowLoopback: boolean; resolve: Resolve },
): Promise<{ url: URL; address: ResolvedAddress }> {
  if (!URL.canParse(rawUrl)) throw refused('the channel is not a URL');
  const url = new URL(rawUrl);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw refused(`${url.protocol} URLs are not allowed; receivers use https`);
  }
  if (url.protocol === 'http:' && !options.allowLoopback) {
    throw refused('http is not allowed; receivers use https');
  }
  const host = hostOf(url);
  let addresses: ResolvedAddress[];
  if (host.ip) {
    addresses = [host.ip];
  } else {
    try {
      addresses = await options.resolve(host.name);
    } catch (error) {
      // A name that does not resolve now may resolve later: worth the relay's retries.
      throw new ProviderError(`webhook receiver ${host.name} could not be resolved`, undefined, {
        cause: error,
      });
    }
    if (addresses.length === 0) {
      throw new ProviderError(`webhook receiver ${host.name} resolved to no address`);
    }
  }
  // Every answer is checked: a name with one public and one private address is refused.
  for (const { address } of addresses) {
    const why = refusalOf(address, { allowLoopback: options.allowLoopback });
    if (why) {
      throw refused(
        host.ip ? `${address} is ${why}` : `${host.name} resolves to ${address}, ${why}`,
      );
    }
  }
  if (url.protocol === 'http:' && addresses.some((a) => addressKind(a.address) !== 'loopback')) {
    throw refused('http is allowed to loopback receivers only; receivers use https');
  }
  return { url, address: addresses[0]! };
}
