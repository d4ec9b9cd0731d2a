/**
 * A function's bundle from cdk.out, running in a fresh Node process as Lambda runs it
 * (./lambda-runtime.mjs): its environment is exactly the template's variables (resolved) plus what
 * the Lambda runtime itself sets (region, credentials, function name, task root, handler), and the
 * endpoint variables that send its AWS calls to its recording endpoint (./aws-wire.ts). Nothing of
 * the test process leaks into it: not vitest's environment, not the local newsroom's.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { PARITY_ACCOUNT, PARITY_REGION } from './aws-wire';
import type { StackFunction } from './stack';

const runtime = new URL('./lambda-runtime.mjs', import.meta.url).pathname;

/** The variables the Lambda runtime sets for every function (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime). */
function runtimeVariables(fn: StackFunction, functionName: string, accessKeyId: string): Record<string, string> {
  return {
    AWS_REGION: PARITY_REGION,
    AWS_DEFAULT_REGION: PARITY_REGION,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/12/02/[$LATEST]parity',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    // DynamoDB Local keeps one database per access key and region: the key names the suite's.
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: 'parity',
    AWS_SESSION_TOKEN: 'parity',
    LAMBDA_TASK_ROOT: fn.assetDir,
    LAMBDA_RUNTIME_DIR: fn.assetDir,
    _HANDLER: fn.handler,
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    // Lambda has no shared AWS config or credentials files: none of this machine's is read either.
    AWS_CONFIG_FILE: `${fn.assetDir}/.no-aws-config`,
    AWS_SHARED_CREDENTIALS_FILE: `${fn.assetDir}/.no-aws-credentials`,
    // X-Ray: the tracer sends its segments to the daemon over UDP; here a socket that drops them.
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    PARITY_FUNCTION_ARN: `arn:aws:lambda:${PARITY_REGION}:${PARITY_ACCOUNT}:function:${functionName}`,
  };
}

export interface LambdaProcess {
  fn: StackFunction;
  functionName: string;
  invoke<T = unknown>(event: unknown): Promise<T>;
  stop(): Promise<void>;
}

export interface StartOptions {
  fn: StackFunction;
  functionName: string;
  /** The template's variables, resolved. */
  environment: Record<string, string>;
  /** The recording endpoint every AWS SDK client of the bundle goes to. */
  awsEndpoint: string;
  accessKeyId: string;
  /** The bundle's stdout and stderr (its log lines, EMF metrics), line by line. */
  onOutput?: (line: string) => void;
}

export async function startLambdaProcess(options: StartOptions): Promise<LambdaProcess> {
  const { fn, awsEndpoint } = options;
  const xray: Socket = createSocket('udp4');
  await new Promise<void>((resolve) => xray.bind(0, '127.0.0.1', resolve));
  const daemon = `127.0.0.1:${xray.address().port}`;
  const env = {
    ...options.environment,
    ...runtimeVariables(fn, options.functionName, options.accessKeyId),
    AWS_XRAY_DAEMON_ADDRESS: daemon,
    _AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1',
    _AWS_XRAY_DAEMON_PORT: String(xray.address().port),
    // SDK v3's service-specific endpoints (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).
    AWS_ENDPOINT_URL: awsEndpoint,
    AWS_ENDPOINT_URL_DYNAMODB: awsEndpoint,
    AWS_ENDPOINT_URL_SSM: awsEndpoint,
    AWS_ENDPOINT_URL_LAMBDA: awsEndpoint,
    AWS_ENDPOINT_URL_SQS: awsEndpoint,
    AWS_ENDPOINT_URL_CLOUDFRONT: awsEndpoint,
    AWS_ENDPOINT_URL_SCHEDULER: awsEndpoint,
  };
  const child: ChildProcess = fork(runtime, [], {
    env,
    cwd: fn.assetDir,
    execArgv: [],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  const output = options.onOutput ?? (() => {});
  let buffered = '';
  const lines = (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    parts.forEach(output);
  };
  child.stdout!.on('data', lines);
  child.stderr!.on('data', lines);

  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let exited: Error | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (message: { ready?: boolean; id?: number; result?: unknown; error?: { name: string; message: string; stack?: string } }) => {
      if (message.ready === true) return resolve();
      if (message.ready === false) return reject(new Error(`${fn.name} bundle failed to load: ${message.error?.stack ?? message.error?.message}`));
      const waiter = pending.get(message.id!);
      pending.delete(message.id!);
      if (message.error)
        waiter?.reject(Object.assign(new Error(`${fn.name}: ${message.error.message}`), { name: message.error.name, stack: message.error.stack }));
      else waiter?.resolve(message.result);
    });
    child.on('exit', (code, signal) => {
      exited = new Error(`${fn.name} process exited (${signal ?? code})`);
      reject(exited);
      for (const waiter of pending.values()) waiter.reject(exited);
      pending.clear();
    });
  });
  await ready;
  let next = 0;
  return {
    fn,
    functionName: options.functionName,
    invoke<T>(event: unknown) {
      if (exited) return Promise.reject(exited);
      const id = ++next;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, event, timeoutMs: fn.timeoutSeconds * 1000 });
      });
    },
    async stop() {
      if (!exited) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await gone;
      }
      xray.close();
    },
  };
}
