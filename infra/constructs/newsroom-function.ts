import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LAMBDA_BUNDLE, LAMBDA_ENTRIES, LAMBDA_FILES } from '../bundling.js';
import { fromRoot, repoRoot } from '../paths.js';

/** What every function of one stack shares, decided once by the stack from its configuration. */
export interface FunctionSettings {
  readonly metricsNamespace: string;
  readonly logLevel: string;
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  /** Variables every handler reads: the table names, the WebSub hub. */
  readonly environment: Record<string, string>;
}

export interface NewsroomFunctionProps {
  readonly settings: FunctionSettings;
  /** The handler (infra/bundling.ts LAMBDA_ENTRIES): its entry file, and its Powertools service name `newsroom-<name>`. */
  readonly name: keyof typeof LAMBDA_ENTRIES;
  readonly description: string;
  /** Variables only this handler reads, added to the shared ones. */
  readonly environment?: Record<string, string>;
  readonly memorySize?: number;
  readonly timeout?: Duration;
  readonly reservedConcurrentExecutions?: number;
}

/**
 * The one place that holds the defaults of every newsroom Lambda function: esbuild ESM bundle
 * (minified, source maps, AWS SDK v3 left to the runtime, Powertools bundled), ARM64 on Node.js 24,
 * X-Ray tracing, Powertools logger/metrics/tracer configuration, an explicit log group with
 * retention, and a role of its own that starts with nothing but writing to that log group
 * (no AWSLambdaBasicExecutionRole, whose logs:CreateLogGroup on * it does not need).
 * Grants to it (it is an iam.IGrantable) land in that role.
 */
export class NewsroomFunction extends Construct implements iam.IGrantable {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly grantPrincipal: iam.IPrincipal;
  /** Its Powertools service name: the `service` dimension of the metrics it emits. */
  readonly serviceName: string;
  private readonly metricsNamespace: string;

  constructor(scope: Construct, id: string, props: NewsroomFunctionProps) {
    super(scope, id);
    const { settings } = props;
    const serviceName = `newsroom-${props.name}`;
    this.serviceName = serviceName;
    this.metricsNamespace = settings.metricsNamespace;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: settings.logRetention,
      removalPolicy: settings.logRemovalPolicy,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${serviceName} Lambda function`,
    });
    this.grantPrincipal = this.role;
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.function = new NodejsFunction(this, 'Function', {
      entry: fromRoot(LAMBDA_ENTRIES[props.name]),
      handler: 'handler',
      projectRoot: repoRoot,
      depsLockFilePath: fromRoot('package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      description: props.description,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(10),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      role: this.role,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: serviceName,
        POWERTOOLS_METRICS_NAMESPACE: settings.metricsNamespace,
        POWERTOOLS_LOG_LEVEL: settings.logLevel,
        // Feed bodies are large and public; X-Ray segments should not carry them.
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
        ...settings.environment,
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: LAMBDA_BUNDLE.target,
        minify: LAMBDA_BUNDLE.minify,
        sourceMap: true,
        sourcesContent: false,
        mainFields: [...LAMBDA_BUNDLE.mainFields],
        banner: LAMBDA_BUNDLE.banner,
        externalModules: [...LAMBDA_BUNDLE.external],
        tsconfig: fromRoot('tsconfig.json'),
        logLevel: LogLevel.WARNING,
        // Files the handler reads at run time (infra/bundling.ts LAMBDA_FILES), copied beside the bundle.
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) =>
            (LAMBDA_FILES[props.name] ?? []).map(({ from, to }) => `cp -R "${inputDir}/${from}" "${outputDir}/${to}"`),
        },
      },
    });
  }

  /** A metric the handler emits with Powertools Metrics (its namespace, its service). */
  powertoolsMetric(metricName: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({ namespace: this.metricsNamespace, metricName, dimensionsMap: { service: this.serviceName }, ...props });
  }
}
