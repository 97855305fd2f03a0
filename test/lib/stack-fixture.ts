import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { buildChatBridgeApp } from '../../bin/app';
import type { ChatBridge } from '../../lib/chat-bridge';
import type { Settings } from '../../lib/settings';

export const ROOM_A = 'arn:aws:ivschat:us-west-2:123456789012:room/g1H2I3J4k5L6';
export const ROOM_B = 'arn:aws:ivschat:eu-west-1:210987654321:room/Zz9Yy8Xx7Ww6';

/** Two bridges, two IVS rooms in different accounts/regions, one channel of every other pusher. */
export const TEST_BRIDGES_DOCUMENT = {
  bridges: [
    {
      id: 'support',
      channels: [
        { provider: 'ivs', channel: ROOM_A },
        { provider: 'gitple', channel: 'room-7' },
        {
          provider: 'pingstreams',
          channel: 'support-group-65f1c0ffee0000000000abcd-0d9f3c1e2b4a4f6e8a7b9c0d1e2f3a4b',
        },
      ],
    },
    {
      id: 'sales',
      channels: [
        { provider: 'ivs', channel: ROOM_B },
        { provider: 'tigerconnect', channel: 'u-def' },
      ],
    },
  ],
};

export function writeBridgesFile(document: unknown = TEST_BRIDGES_DOCUMENT): string {
  const dir = mkdtempSync(join(tmpdir(), 'chat-bridge-lib-'));
  const file = join(dir, 'bridges.json');
  writeFileSync(file, JSON.stringify(document));
  return file;
}

export interface TestStack {
  app: App;
  /** The bridge construct the tests inspect (the app's stack holds it as `Bridge`). */
  stack: ChatBridge;
  template: Template;
}

/**
 * The app exactly as bin/chat-bridge.ts builds it (cdk-nag packs included), with bundling
 * skipped so a synth takes milliseconds. `Template.fromStack` runs the validation plugins:
 * an unacknowledged nag error makes it throw.
 */
export function synthTestStack(
  options: {
    settings?: Settings;
    bridges?: unknown;
    corsAllowedOrigins?: string[];
    ivsRooms?: string[];
  } = {},
): TestStack {
  const { app, stack } = buildChatBridgeApp({
    app: new App({ outdir: mkdtempSync(join(tmpdir(), 'chat-bridge-cdk-')) }),
    bridgesFile: writeBridgesFile(options.bridges),
    bundlingMode: 'skip',
    ...(options.settings && { settings: options.settings }),
    ...(options.corsAllowedOrigins && { corsAllowedOrigins: options.corsAllowedOrigins }),
    ...(options.ivsRooms && { ivsRooms: options.ivsRooms }),
  });
  return { app, stack: stack.bridge, template: Template.fromStack(stack) };
}

/** The CloudFormation resources of a synthesized template, typed loosely for lookups. */
export type Resources = Record<
  string,
  { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] }
>;

export function resourcesOf(template: Template): Resources {
  return template.toJSON().Resources as Resources;
}

/** The template logical id of a construct's CloudFormation resource. */
export function logicalIdOf(_bridge: ChatBridge, construct: IConstruct): string {
  const resource = (construct instanceof CfnElement ? construct : construct.node.defaultChild) as
    CfnElement | undefined;
  if (!resource) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(construct).getLogicalId(resource);
}
