/**
 * The EventBridge Scheduler adapter and the projector's schedule sync. @aws-sdk/client-scheduler is
 * not installed in this checkout (the Lambda runtime ships it), so the adapter is driven here with
 * a stand-in of the SDK's documented API (client.send(new XCommand(input)), errors by `name`): what
 * is checked is what the adapter sends, and how it treats Scheduler's documented errors.
 */
import { describe, expect, it } from 'vitest';
import { atExpression, EventBridgeReleaseSchedules, scheduleName, type SchedulerSdk } from '../../shared/adapters/scheduler';
import { scheduleChangeOf, syncSchedules } from '../../shared/application/releases';
import type { ReleaseSchedules } from '../../shared/application/ports';
import { stored } from '../support/events';

const TARGET = {
  group: 'Newsroom-prod-releases',
  functionArn: 'arn:aws:lambda:eu-west-1:1:function:release',
  roleArn: 'arn:aws:iam::1:role/scheduler',
};

/** The SDK's shape: commands carry their input; the client answers from `answer`. */
function fakeSdk(answer: (command: { kind: string; input: Record<string, unknown> }) => void) {
  const sent: { kind: string; input: Record<string, unknown> }[] = [];
  const command = (kind: string) =>
    class {
      readonly kind = kind;
      constructor(readonly input: Record<string, unknown>) {}
    };
  const sdk = {
    SchedulerClient: class {
      send(c: { kind: string; input: Record<string, unknown> }) {
        sent.push({ kind: c.kind, input: c.input });
        answer(c);
        return Promise.resolve({});
      }
    },
    CreateScheduleCommand: command('create'),
    UpdateScheduleCommand: command('update'),
    DeleteScheduleCommand: command('delete'),
  } as unknown as SchedulerSdk;
  return { sdk, sent };
}
const named = (name: string) => Object.assign(new Error(name), { name });

describe('schedule names and times', () => {
  it('a name per story and update: at most 64 of [0-9A-Za-z._-], stable, different for another story', () => {
    const name = scheduleName('kyrgyzstan-bakiyev-ouster-2010-with-a-very-long-story-id-of-many-words', '01J0000000000000000000000K');
    expect(name).toMatch(/^[0-9A-Za-z._-]{1,64}$/);
    expect(scheduleName('kyrgyzstan-bakiyev-ouster-2010-with-a-very-long-story-id-of-many-words', '01J0000000000000000000000K')).toBe(name);
    expect(scheduleName('another-story', '01J0000000000000000000000K')).not.toBe(name);
  });

  it('at() names the minute the release falls in, in UTC (Scheduler runs it within that minute)', () => {
    const now = '2026-11-23T11:00:00.000Z';
    expect(atExpression('2026-11-23T18:00:30.500+06:00', now)).toBe('at(2026-11-23T12:00:00)');
    expect(atExpression('2026-11-23T12:00:00.000Z', now)).toBe('at(2026-11-23T12:00:00)');
  });

  it('at() names a minute to come for a release due within the next minute (a schedule must not name the past)', () => {
    expect(atExpression('2026-11-23T12:00:30.000Z', '2026-11-23T12:00:10.000Z')).toBe('at(2026-11-23T12:01:00)');
    expect(atExpression('2026-11-23T11:59:00.000Z', '2026-11-23T12:00:10.000Z')).toBe('at(2026-11-23T12:01:00)');
  });
});

describe('EventBridgeReleaseSchedules', () => {
  const release = { storyId: 'story-1', updateId: '01J0000000000000000000000K', releaseAt: '2026-11-23T12:00:30.000Z' };

  it('creates a one-time schedule in the group, deleted after it ran, invoking the release function with the release', async () => {
    const { sdk, sent } = fakeSdk(() => undefined);
    await new EventBridgeReleaseSchedules(
      TARGET,
      async () => sdk,
      () => '2026-11-23T11:00:00.000Z',
    ).schedule(release);
    expect(sent).toEqual([
      {
        kind: 'create',
        input: {
          Name: scheduleName('story-1', release.updateId),
          GroupName: TARGET.group,
          ScheduleExpression: 'at(2026-11-23T12:00:00)',
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          Description: `Release ${release.updateId} of story story-1`,
          Target: {
            Arn: TARGET.functionArn,
            RoleArn: TARGET.roleArn,
            Input: JSON.stringify(release),
            RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
          },
        },
      },
    ]);
  });

  it('moves an existing schedule (ConflictException on create: updated, same name), and passes other errors on', async () => {
    const { sdk, sent } = fakeSdk((c) => {
      if (c.kind === 'create') throw named('ConflictException');
    });
    await new EventBridgeReleaseSchedules(TARGET, async () => sdk).schedule(release);
    expect(sent.map((c) => c.kind)).toEqual(['create', 'update']);
    expect(sent[1]!.input).toEqual(sent[0]!.input);
    const failing = fakeSdk(() => {
      throw named('AccessDeniedException');
    });
    await expect(new EventBridgeReleaseSchedules(TARGET, async () => failing.sdk).schedule(release)).rejects.toThrow('AccessDeniedException');
  });

  it('cancels by deleting the schedule; one already run and deleted (ResourceNotFoundException) is cancelled already', async () => {
    const { sdk, sent } = fakeSdk((c) => {
      if (c.kind === 'delete') throw named('ResourceNotFoundException');
    });
    await new EventBridgeReleaseSchedules(TARGET, async () => sdk).cancel('story-1', release.updateId);
    expect(sent).toEqual([{ kind: 'delete', input: { Name: scheduleName('story-1', release.updateId), GroupName: TARGET.group } }]);
  });
});

describe('syncSchedules', () => {
  const releaseAt = '2026-11-23T12:00:00.000Z';
  const posted = stored('StatementRecorded', { speaker: { name: 'R' }, quote: 'Q', speech: 'direct', releaseAt }, { version: 2 });
  const P = posted.metadata.updateId;
  const events = [
    stored('StatementRecorded', { speaker: { name: 'R' }, quote: 'Q', speech: 'direct' }, { version: 1 }),
    posted,
    stored('ScheduledUpdateRevised', { target: P, changes: { quote: 'Q2' }, note: 'n' }, { version: 3 }),
    stored('UpdateRescheduled', { target: P, releaseAt: '2026-11-24T00:00:00.000Z', previous: releaseAt }, { version: 4 }),
    stored('ReleaseCancelled', { target: P, reason: 'r' }, { version: 5 }),
    stored('UpdateReleased', { target: P, releaseAt }, { version: 6 }),
  ];

  it('schedules an embargoed post and a reschedule, cancels a cancellation, and leaves everything else', async () => {
    const calls: string[] = [];
    const schedules: ReleaseSchedules = {
      schedule: async (r) => void calls.push(`schedule ${r.storyId} ${r.updateId} ${r.releaseAt}`),
      cancel: async (storyId, updateId) => void calls.push(`cancel ${storyId} ${updateId}`),
    };
    expect(await syncSchedules(events, schedules, { error() {} })).toBe(0);
    expect(calls).toEqual([`schedule story-1 ${P} ${releaseAt}`, `schedule story-1 ${P} 2026-11-24T00:00:00.000Z`, `cancel story-1 ${P}`]);
    expect(events.map(scheduleChangeOf).filter((c) => c === undefined)).toHaveLength(3);
  });

  it('logs a failure and goes on (the sweep is the backstop), counting it', async () => {
    const errors: string[] = [];
    const schedules: ReleaseSchedules = {
      schedule: async () => {
        throw new Error('throttled');
      },
      cancel: async () => undefined,
    };
    expect(await syncSchedules(events, schedules, { error: (m) => void errors.push(m) })).toBe(2);
    expect(errors).toHaveLength(2);
  });
});
