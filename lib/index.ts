/**
 * The bridge as a reusable CDK construct: `new ChatBridge(this, 'Bridge', { bridges, providers,
 * bridgesFile, corsAllowedOrigins?, removalPolicy?, alarms? })`, plus its typed outputs.
 */
export { ChatBridge, type ChatBridgeProps } from './chat-bridge';
export {
  addChatBridgeOutputs,
  type ChatBridgeOutput,
  type ChatBridgeOutputs,
} from './chat-bridge-outputs';
export { ChatBridgeAlarms, type ChatBridgeAlarmsProps } from './alarms';
export { ChatBridgeStack, type ChatBridgeStackProps } from './chat-bridge-stack';
export type { ProviderDescription } from './provider-descriptions';
