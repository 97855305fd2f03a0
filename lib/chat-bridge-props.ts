import { ivsRoomEntryProblem } from '../functions/definitions/ivs-rooms';
import type { ChatBridgeProps } from './chat-bridge';

/**
 * Checks at synth what TypeScript cannot, so a wrong prop fails `cdk synth` with the prop's
 * name instead of failing a deploy (or worse, deploying something else).
 */
export function validateChatBridgeProps(props: ChatBridgeProps): void {
  const fail = (prop: string, why: string): never => {
    throw new Error(`ChatBridge: props.${prop} ${why}`);
  };
  if (!props.bridges || typeof props.bridges.all !== 'function') {
    fail('bridges', 'must be the validated bridges (parseBridgesConfig / the bridges file loader)');
  }
  if (!Array.isArray(props.providers) || props.providers.length === 0) {
    fail('providers', 'must list the provider modules (functions/providers PROVIDERS.modules)');
  }
  if (typeof props.bridgesFile !== 'string' || !props.bridgesFile.startsWith('/')) {
    fail('bridgesFile', 'must be an absolute path to the bridges file bundled with every function');
  }
  for (const [i, origin] of (props.corsAllowedOrigins ?? []).entries()) {
    if (origin === '*') continue;
    const url = URL.canParse(origin) ? new URL(origin) : undefined;
    if (!url || !['http:', 'https:'].includes(url.protocol) || url.origin !== origin) {
      fail(`corsAllowedOrigins[${i}]`, `"${origin}" is not an origin like https://app.example.com`);
    }
  }
  for (const [i, entry] of (props.ivsRooms ?? []).entries()) {
    const problem = ivsRoomEntryProblem(entry);
    if (problem) fail(`ivsRooms[${i}]`, problem);
  }
  for (const [name, value] of Object.entries(props.settings ?? {})) {
    if (typeof value !== 'string') fail(`settings.${name}`, 'must be a string');
  }
  const { iteratorAgeSeconds, relayErrors } = props.alarms ?? {};
  if (iteratorAgeSeconds !== undefined && !(iteratorAgeSeconds > 0)) {
    fail('alarms.iteratorAgeSeconds', 'must be a positive number of seconds');
  }
  if (relayErrors !== undefined && !(Number.isInteger(relayErrors) && relayErrors > 0)) {
    fail('alarms.relayErrors', 'must be a positive whole number');
  }
}
