import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { EventStore } from './event-store.js';
import { allow } from './iam.js';
import { NewsroomFunction } from './newsroom-function.js';
import type { FunctionSettings } from './newsroom-function.js';
import type { Views } from './views.js';

export interface ReplayProps {
  readonly settings: FunctionSettings;
  readonly eventStore: EventStore;
  readonly views: Views;
  /** Reserved concurrency for the fan-out (optional; see docs/deploy.md). */
  readonly concurrency?: number;
}

/**
 * The replay function, which rebuilds views from the events: invoked with `{}` it lists the
 * stories from the story catalog and invokes itself once per story; with `{"storyId"}` it
 * rebuilds that one story.
 */
export class Replay extends NewsroomFunction {
  constructor(scope: Construct, id: string, props: ReplayProps) {
    // REPLAY_FUNCTION_NAME is deliberately not set on replay itself: a function's environment
    // cannot reference its own name without a dependency cycle, and a fixed name is not allowed.
    // The handler falls back to AWS_LAMBDA_FUNCTION_NAME, which Lambda sets to the function's name.
    super(scope, id, {
      settings: props.settings,
      name: 'replay',
      description: 'Newsroom replay: {} fans out one rebuild per story; {"storyId"} rebuilds one story',
      memorySize: 2048,
      timeout: Duration.minutes(15),
      reservedConcurrentExecutions: props.concurrency,
    });

    props.eventStore.grantRead(this);
    props.eventStore.grantListStories(this);
    props.views.grantReadWrite(this);
    // A separate policy, not the role's default one: the function's creation waits for its
    // default policy, so a statement naming the function's own ARN there would be a cycle.
    new iam.Policy(this, 'InvokeSelf', {
      roles: [this.role],
      statements: [allow('FanOutPerStory', ['lambda:InvokeFunction'], [this.function.functionArn])],
    });
  }
}
