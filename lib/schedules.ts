import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FunctionName, ScheduledFunction } from '../functions/definitions/functions';

export interface FunctionSchedulesProps {
  schedules: readonly ScheduledFunction[];
  functions: Partial<Record<FunctionName, IFunction>>;
  /** Where a tick EventBridge could not hand to Lambda goes (the stack's async failures). */
  deadLetterQueue: IQueue;
}

/**
 * One EventBridge rule per SCHEDULED_FUNCTIONS entry. The rule only says when; that at most
 * `maxConcurrency` run at once is the function's reserved concurrency (set where the
 * function is created), so an overlapping tick waits in Lambda's async queue instead of
 * opening a second reader.
 */
export class FunctionSchedules extends Construct {
  readonly rules = new Map<FunctionName, Rule>();

  constructor(scope: Construct, id: string, props: FunctionSchedulesProps) {
    super(scope, id);
    for (const scheduled of props.schedules) {
      const handler = props.functions[scheduled.function];
      if (!handler) {
        throw new Error(`SCHEDULED_FUNCTIONS: ${scheduled.function} is not deployed by this stack`);
      }
      const every = Duration.minutes(scheduled.everyMinutes);
      const rule = new Rule(this, scheduled.function, {
        description: `chat-bridge: run ${scheduled.function} every ${scheduled.everyMinutes} min`,
        schedule: Schedule.rate(every),
      });
      rule.addTarget(
        new LambdaFunction(handler, {
          deadLetterQueue: props.deadLetterQueue,
          // A tick older than one interval is superseded by the next; retrying it only piles
          // polls up behind the single reader.
          maxEventAge: every,
          retryAttempts: 2,
        }),
      );
      this.rules.set(scheduled.function, rule);
    }
  }
}
