import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { EventStore } from './event-store.js';
import { grant } from './iam.js';
import { NewsroomFunction } from './newsroom-function.js';
import type { FunctionSettings } from './newsroom-function.js';
import type { Views } from './views.js';

/** The backstop's period: a release whose schedule was lost is made within this (plus Scheduler's minute). */
export const RELEASE_SWEEP_RATE = 'rate(5 minutes)';

export interface ReleasesProps {
  readonly settings: FunctionSettings;
  readonly eventStore: EventStore;
  readonly views: Views;
}

/**
 * Embargoed updates' releases (docs/deploy.md, "Embargoes"): the release function, invoked by
 * EventBridge Scheduler through a role that may invoke it and nothing else, from one-time schedules
 * in the stack's schedule group (the projector creates, moves and deletes them: allowScheduling)
 * and from a recurring sweep in the same group, the backstop for a schedule lost or never made.
 * The function appends `UpdateReleased` events (recorded by `system`); a release that fails after
 * Lambda's retries goes to its DLQ.
 */
export class Releases extends NewsroomFunction {
  readonly group: scheduler.CfnScheduleGroup;
  readonly groupName: string;
  /** The role EventBridge Scheduler assumes to invoke the release function. */
  readonly schedulerRole: iam.Role;
  readonly sweep: scheduler.CfnSchedule;
  readonly dlq: sqs.Queue;

  constructor(scope: Construct, id: string, props: ReleasesProps) {
    super(scope, id, {
      settings: props.settings,
      name: 'release',
      description: 'Newsroom releases: appends the release of embargoed updates when due (EventBridge Scheduler)',
      // A scheduled invocation may wait up to 65 s for its release time (Scheduler's precision is a minute).
      timeout: Duration.seconds(90),
    });
    const stack = Stack.of(this);

    // Deciding a release reads the story's events and its views (the pending update's status),
    // appends one event, and forgets the release index items it handled (and only those: the
    // index's partition key).
    props.eventStore.grantAppend(this);
    props.views.grantRead(this);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ForgetHandledReleases',
        actions: ['dynamodb:DeleteItem'],
        resources: [props.views.table.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['releases'] } },
      }),
    );

    this.dlq = new sqs.Queue(this, 'Dlq', { retentionPeriod: Duration.days(14), encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true });
    // Scheduler invokes asynchronously: Lambda retries a failed release twice, then records it here.
    this.function.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(1), onFailure: new SqsDestination(this.dlq) });

    this.groupName = `${stack.stackName}-releases`.slice(0, 64);
    this.group = new scheduler.CfnScheduleGroup(this, 'Group', { name: this.groupName });

    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      // Only this account's schedules may use it (confused deputy).
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: 'EventBridge Scheduler: invoke the newsroom release function, nothing else',
    });
    this.schedulerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'InvokeRelease', actions: ['lambda:InvokeFunction'], resources: [this.function.functionArn] }),
    );

    this.sweep = new scheduler.CfnSchedule(this, 'Sweep', {
      groupName: this.groupName,
      description: 'Backstop: release every embargoed update that is due (a one-time schedule lost or never made)',
      scheduleExpression: RELEASE_SWEEP_RATE,
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: this.function.functionArn,
        roleArn: this.schedulerRole.roleArn,
        input: JSON.stringify({ sweep: true }),
        retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 240 },
      },
    });
    this.sweep.addDependency(this.group);
  }

  /** The schedules of this stack's group, by ARN (what the projector may create, update and delete). */
  get schedulesArn(): string {
    return Stack.of(this).formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${this.groupName}/*` });
  }

  /**
   * Lets `fn` (the projector) keep the one-time schedules in step with the embargo events: create,
   * update and delete schedules of the group only, handing Scheduler the scheduler role only.
   */
  allowScheduling(fn: NewsroomFunction): void {
    grant(fn, 'ManageReleaseSchedules', ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'], [this.schedulesArn]);
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PassSchedulerRole',
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    fn.function.addEnvironment('RELEASE_SCHEDULE_GROUP', this.groupName);
    fn.function.addEnvironment('RELEASE_FUNCTION_ARN', this.function.functionArn);
    fn.function.addEnvironment('RELEASE_SCHEDULER_ROLE_ARN', this.schedulerRole.roleArn);
  }

  /**
   * Alarms on the topic: releases that failed every retry (the DLQ; the sweep still retries them
   * within RELEASE_SWEEP_RATE), and schedules the projector could not create, move or delete (its
   * ReleaseSchedulesNotSynced metric: the sweep is then what releases them, minutes late).
   */
  alarmTo(topic: sns.ITopic, projector: NewsroomFunction): cloudwatch.Alarm[] {
    const notify = new cwActions.SnsAction(topic);
    const alarms = [
      new cloudwatch.Alarm(this, 'DlqDepthAlarm', {
        alarmDescription: 'A release failed after its retries: the sweep retries it every 5 minutes. See docs/deploy.md, "Releases".',
        metric: this.dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'SchedulesNotSyncedAlarm', {
        alarmDescription:
          'The projector could not keep a release schedule: the sweep releases it, up to ~6 minutes late. See docs/deploy.md, "Releases".',
        metric: projector.powertoolsMetric('ReleaseSchedulesNotSynced', { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ];
    for (const alarm of alarms) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }
    return alarms;
  }
}
