import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ChatBridge, type ChatBridgeProps } from './chat-bridge';
import { addChatBridgeOutputs } from './chat-bridge-outputs';

export type ChatBridgeStackProps = StackProps & ChatBridgeProps;

/** This repository's own app: one ChatBridge and its outputs (`cdk deploy`). */
export class ChatBridgeStack extends Stack {
  readonly bridge: ChatBridge;

  constructor(scope: Construct, id: string, props: ChatBridgeStackProps) {
    super(scope, id, props);
    this.bridge = new ChatBridge(this, 'Bridge', props);
    addChatBridgeOutputs(this.bridge);
  }
}
