import { ProviderRegistry } from '../core/provider-registry';
import { azstack } from './azstack';
import { gitple } from './gitple';
import { ivs } from './ivs';
import { pingstreams } from './pingstreams';
import { tigerconnect } from './tigerconnect';
import { webhook } from './webhook';

/**
 * Every provider the bridge speaks, one line each: adding a provider is its folder under
 * `functions/providers/` and one entry here (see README.md, "Adding a provider").
 */
export const PROVIDERS = new ProviderRegistry([
  ivs,
  gitple,
  pingstreams,
  tigerconnect,
  azstack,
  webhook,
]);
