import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  TreatMissingData,
  type IAlarmAction,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface ChatBridgeAlarmsProps {
  /** Notified on every alarm and on recovery. */
  topic?: ITopic;
  /** Relay stream iterator age that means events are waiting (default 60 s). */
  iteratorAgeSeconds?: number;
  /** Relay errors per 5 minutes that alarm (default 1). */
  relayErrors?: number;
}

/**
 * Operators hear about trouble before messages age out of the stream (24 h) or the DLQ
 * (14 days): parked deliveries, a relay falling behind, relay errors and throttles, failed
 * asynchronous invocations.
 */
export class ChatBridgeAlarms extends Construct {
  readonly deadLetters: Alarm;
  readonly asyncFailures: Alarm;
  readonly iteratorAge: Alarm;
  readonly relayErrors: Alarm;
  readonly relayThrottles: Alarm;

  constructor(
    scope: Construct,
    id: string,
    props: ChatBridgeAlarmsProps & {
      relay: IFunction;
      deliveryDeadLetters: Queue;
      asyncFailures: Queue;
    },
  ) {
    super(scope, id);
    const fiveMinutes = Duration.minutes(5);
    const missingIsFine = TreatMissingData.NOT_BREACHING;
    // A queue that should stay empty: anything in it is something an operator must look at.
    const queueNotEmpty = (id: string, queue: Queue, alarmDescription: string) =>
      new Alarm(this, id, {
        alarmDescription,
        metric: queue.metricApproximateNumberOfMessagesVisible({
          period: fiveMinutes,
          statistic: 'Maximum',
        }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: missingIsFine,
      });
    this.deadLetters = queueNotEmpty(
      'DeadLetters',
      props.deliveryDeadLetters,
      'Deliveries were parked after every retry: npm run dlq -- list, then replay',
    );
    this.asyncFailures = queueNotEmpty(
      'AsyncFailures',
      props.asyncFailures,
      'An asynchronous invocation (IVS chat log, a poller) failed every retry',
    );
    this.iteratorAge = new Alarm(this, 'RelayIteratorAge', {
      alarmDescription:
        'The relay is behind the events stream: messages wait (the stream keeps 24 h)',
      metric: props.relay.metric('IteratorAge', {
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: (props.iteratorAgeSeconds ?? 60) * 1000,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: missingIsFine,
    });
    this.relayErrors = new Alarm(this, 'RelayErrors', {
      alarmDescription: 'The relay failed invocations: the stream retries them, look at its logs',
      metric: props.relay.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
      threshold: props.relayErrors ?? 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: missingIsFine,
    });
    this.relayThrottles = new Alarm(this, 'RelayThrottles', {
      alarmDescription: 'The relay was throttled: raise the account concurrency or reserve some',
      metric: props.relay.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: missingIsFine,
    });
    if (props.topic) {
      const action: IAlarmAction = new SnsAction(props.topic);
      for (const alarm of this.all()) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }
  }

  all(): Alarm[] {
    return [
      this.deadLetters,
      this.asyncFailures,
      this.iteratorAge,
      this.relayErrors,
      this.relayThrottles,
    ];
  }
}
