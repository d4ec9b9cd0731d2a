import { App, Validations } from 'aws-cdk-lib';
import type { AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { configFromContext } from './config.js';
import { applyNagSuppressions } from './nag.js';
import { NewsroomStack } from './newsroom-stack.js';

/**
 * Builds the app exactly as `cdk synth` / `cdk deploy` do, so the stack tests check what ships:
 * configuration from context, cdk-nag AwsSolutions checks with their written suppressions.
 */
export function createNewsroomApp(props: AppProps = {}): { app: App; stack: NewsroomStack } {
  const app = new App(props);
  const config = configFromContext(app);
  const stack = new NewsroomStack(app, `Newsroom-${config.stage}`, {
    config,
    description: `Newsroom feed (${config.stage}): event-sourced story updates published as Atom, RSS and JSON Feed`,
    // Environment-agnostic unless the CLI knows an account: synth needs no credentials and no lookups.
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  applyNagSuppressions(stack);
  // cdk-nag 3 is a policy-validation plugin: an unacknowledged finding fails `cdk synth`.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}
