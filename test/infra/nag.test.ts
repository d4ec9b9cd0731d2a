import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../infra/config.js';
import { createNewsroomApp } from '../../infra/newsroom-app.js';
import { NewsroomStack } from '../../infra/newsroom-stack.js';

// cdk-nag 3 is a policy-validation plugin (Validations.of(app).addPlugins), not an Aspect: its
// findings never become Annotations, so Annotations.fromStack(...).findError would be vacuously
// empty. The pack's validateScope runs the same rules over the construct tree and honours the
// acknowledgements in infra/nag.ts, exactly as `cdk synth` does.
function nagFindings(app: App) {
  return new AwsSolutionsChecks(undefined, { verbose: false })
    .validateScope(app)
    .violations.map((v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
}

function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  const found: { path: string; id: string; reason: string }[] = [];
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.push({ path: construct.node.path, id, reason });
      }
    }
  }
  return found;
}

// Bundling is irrelevant to these rules: skip it so the file stays fast.
const noBundling = { 'aws:cdk:bundling-stacks': [] };
const configurations: [string, Record<string, unknown>][] = [
  ['default (dev, CloudFront domain)', { stage: 'dev' }],
  [
    'prod with a custom domain',
    {
      stage: 'prod',
      domainName: 'news.example.org',
      certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
      hostedZoneId: 'Z0123456789',
      hostedZoneName: 'example.org',
      hubUrl: 'https://hub.example.org/',
      alarmEmail: 'oncall@example.org',
      editorTokensKmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555',
      replayConcurrency: '20',
    },
  ],
];

describe.each(configurations)('cdk-nag AwsSolutions, %s', (_name, context) => {
  const { app, stack } = createNewsroomApp({ context: { ...context, ...noBundling } });
  Template.fromStack(stack); // runs aspects and synthesis like the CLI does

  it('reports no unacknowledged error or warning', () => {
    expect(nagFindings(app)).toEqual([]);
  });

  it('every acknowledgement carries a written reason', () => {
    const acks = acknowledgements(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.id, ack.path).toMatch(/AwsSolutions-[A-Z]+\d+/);
      expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThan(40);
    }
  });
});

it('the custom domain removes the need to acknowledge CFR4 (TLS policy)', () => {
  const [, context] = configurations[1]!;
  const { app } = createNewsroomApp({ context: { ...context, ...noBundling } });
  expect(acknowledgements(app).map((a) => a.id)).not.toContainEqual(expect.stringContaining('CFR4'));
});

it('without the acknowledgements the checks do fire (the test above is not vacuous)', () => {
  const app = new App({ context: noBundling });
  new NewsroomStack(app, 'Unacknowledged', { config: resolveConfig({ stage: 'dev' }) });
  const findings = nagFindings(app);
  expect(findings.some((f) => f.startsWith('error AwsSolutions-IAM5'))).toBe(true);
  expect(findings.some((f) => f.startsWith('error AwsSolutions-APIG4'))).toBe(true);
});
