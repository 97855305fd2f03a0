import { createHash } from 'node:crypto';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, LogGroup, RetentionDays, SubscriptionFilter } from 'aws-cdk-lib/aws-logs';
import { LambdaDestination } from 'aws-cdk-lib/aws-logs-destinations';
import { Construct } from 'constructs';

export const IVS_CHAT_PRINCIPAL = 'ivschat.amazonaws.com';

export interface IvsIngestProps {
  /** Room ARNs from the bridges file: the only rooms allowed to call the review handler. */
  roomArns: readonly string[];
  reviewHandler: IFunction;
  chatLogHandler: IFunction;
}

/**
 * The two ways IVS reaches the bridge. The review handler is invoked synchronously by IVS
 * Chat for each room that names it; each room gets its own invoke permission (sourceArn is
 * the room, never `*`). Deletions and events bypass the review handler, so IVS chat logging
 * writes to a log group whose subscription filter feeds the chat-log handler.
 */
export class IvsIngest extends Construct {
  readonly chatLogGroup: LogGroup;

  constructor(scope: Construct, id: string, props: IvsIngestProps) {
    super(scope, id);
    for (const roomArn of props.roomArns) {
      props.reviewHandler.addPermission(`InvokeFromRoom${roomConstructId(roomArn)}`, {
        principal: new ServicePrincipal(IVS_CHAT_PRINCIPAL),
        action: 'lambda:InvokeFunction',
        sourceArn: roomArn,
        sourceAccount: accountOf(roomArn),
      });
    }

    this.chatLogGroup = new LogGroup(this, 'ChatLogs', { retention: RetentionDays.ONE_MONTH });
    new SubscriptionFilter(this, 'ChatLogSubscription', {
      logGroup: this.chatLogGroup,
      destination: new LambdaDestination(props.chatLogHandler),
      filterPattern: FilterPattern.allEvents(),
    });
  }
}

/** Readable and stable: the room id, plus a short hash so equal ids in two regions cannot clash. */
function roomConstructId(roomArn: string): string {
  const roomId = roomArn.slice(roomArn.lastIndexOf('/') + 1);
  const hash = createHash('sha256').update(roomArn).digest('hex').slice(0, 8);
  return `${roomId}${hash}`;
}

/** `arn:aws:ivschat:<region>:<account>:room/<id>`; bridges.json validation guarantees the shape. */
function accountOf(roomArn: string): string | undefined {
  return roomArn.split(':')[4];
}
