/**
 * Release schedules on EventBridge Scheduler: one one-time schedule per pending update, in the
 * stack's schedule group, named after its story and update (so creating it again moves it, and
 * replays or redeliveries make no duplicate), deleted by Scheduler once it has run
 * (ActionAfterCompletion DELETE). It invokes the release function with `{storyId, updateId, releaseAt}`.
 *
 * Scheduler invokes a target within the minute it names (60-second precision: at(12:00:00) runs
 * between 12:00:00 and 12:00:59), so a schedule names the minute its release falls in, and the
 * release function waits out the seconds left if it runs early (functions/release/handler.ts).
 *
 * The SDK client (@aws-sdk/client-scheduler) is loaded when first used: the Lambda Node.js runtime
 * ships it (the bundles leave @aws-sdk/* to the runtime); SchedulerSdk is the part of it this
 * adapter uses (the type checker holds the real module to it), which tests may stand in for.
 */
import { createHash } from 'node:crypto';
import type { DueRelease, ReleaseSchedules } from '../application/ports';

export interface SchedulerTarget {
  /** The schedule group of the stack. */
  group: string;
  /** The release function's ARN. */
  functionArn: string;
  /** The role Scheduler assumes to invoke it. */
  roleArn: string;
}

/** The subset of @aws-sdk/client-scheduler this adapter uses. */
export interface SchedulerSdk {
  SchedulerClient: new (config: object) => { send(command: object): Promise<unknown> };
  CreateScheduleCommand: new (input: ScheduleInput) => object;
  UpdateScheduleCommand: new (input: ScheduleInput) => object;
  DeleteScheduleCommand: new (input: { Name: string; GroupName: string }) => object;
}

export interface ScheduleInput {
  Name: string;
  GroupName: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone: 'UTC';
  FlexibleTimeWindow: { Mode: 'OFF' };
  ActionAfterCompletion: 'DELETE';
  Description: string;
  Target: { Arn: string; RoleArn: string; Input: string; RetryPolicy: { MaximumRetryAttempts: number; MaximumEventAgeInSeconds: number } };
}

/** A schedule's name: at most 64 of [0-9A-Za-z._-], the update's id and a digest of its story's. */
export function scheduleName(storyId: string, updateId: string): string {
  return `release-${updateId}-${createHash('sha256').update(storyId).digest('hex').slice(0, 16)}`;
}

/**
 * The at() expression of the minute a release falls in (UTC): Scheduler runs it within that minute.
 * A one-time schedule must name a time to come: a release due within the next minute (scheduled
 * late, or just ahead) names the next minute instead, and is up to two minutes late.
 */
export function atExpression(releaseAt: string, now = new Date().toISOString()): string {
  const at = Math.max(Date.parse(releaseAt), Date.parse(now) + 60_000);
  return `at(${new Date(at).toISOString().slice(0, 16)}:00)`;
}

export function scheduleInput(target: SchedulerTarget, release: DueRelease, now?: string): ScheduleInput {
  return {
    Name: scheduleName(release.storyId, release.updateId),
    GroupName: target.group,
    ScheduleExpression: atExpression(release.releaseAt, now),
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    Description: `Release ${release.updateId} of story ${release.storyId}`.slice(0, 512),
    Target: {
      Arn: target.functionArn,
      RoleArn: target.roleArn,
      Input: JSON.stringify(release),
      // Scheduler's own retries if the invocation is refused (throttled); the function's failures
      // go to its on-failure destination, and the sweep releases what is still due.
      RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3_600 },
    },
  };
}

const errorName = (error: unknown) => (error as { name?: string } | undefined)?.name;

export class EventBridgeReleaseSchedules implements ReleaseSchedules {
  private sdk?: Promise<{ sdk: SchedulerSdk; client: InstanceType<SchedulerSdk['SchedulerClient']> }>;

  constructor(
    private readonly target: SchedulerTarget,
    /** The SDK module (tests pass one); by default @aws-sdk/client-scheduler, loaded when first used. */
    private readonly load: () => Promise<SchedulerSdk> = loadSchedulerSdk,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {}

  async schedule(release: DueRelease): Promise<void> {
    const { sdk, client } = await this.connect();
    const input = scheduleInput(this.target, release, this.now());
    try {
      await client.send(new sdk.CreateScheduleCommand(input));
    } catch (error) {
      // Scheduled before (a reschedule, or the same event projected again): move it.
      if (errorName(error) !== 'ConflictException') throw error;
      await client.send(new sdk.UpdateScheduleCommand(input));
    }
  }

  async cancel(storyId: string, updateId: string): Promise<void> {
    const { sdk, client } = await this.connect();
    try {
      await client.send(new sdk.DeleteScheduleCommand({ Name: scheduleName(storyId, updateId), GroupName: this.target.group }));
    } catch (error) {
      // Run and deleted already, or never made: nothing to cancel.
      if (errorName(error) !== 'ResourceNotFoundException') throw error;
    }
  }

  private connect() {
    this.sdk ??= this.load().then((sdk) => ({ sdk, client: new sdk.SchedulerClient({}) }));
    return this.sdk;
  }
}

/** Loaded when first used (the bundles leave @aws-sdk/* to the Lambda runtime, which ships it). */
async function loadSchedulerSdk(): Promise<SchedulerSdk> {
  const sdk = await import('@aws-sdk/client-scheduler');
  return {
    SchedulerClient: sdk.SchedulerClient,
    CreateScheduleCommand: sdk.CreateScheduleCommand,
    UpdateScheduleCommand: sdk.UpdateScheduleCommand,
    DeleteScheduleCommand: sdk.DeleteScheduleCommand,
  };
}
