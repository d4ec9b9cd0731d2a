// A stand-in for the Lambda Node.js runtime, run by ./lambda-process.ts in a fresh Node process
// (plain JavaScript: nothing of vitest or tsx is loaded). It imports a function's bundle from its
// cdk.out asset folder as Lambda does (`<file>.<export>` of the template's Handler, from the task
// root), then invokes the handler once per message of its parent with an event and a context,
// setting _X_AMZN_TRACE_ID per invocation as Lambda does, and sends back the result or the error.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const taskRoot = process.env.LAMBDA_TASK_ROOT;
const [file, exportName] = process.env._HANDLER.split('.');
const entry = ['.mjs', '.js', '.cjs'].map((ext) => join(taskRoot, file + ext)).find((path) => existsSync(path));
if (!entry) throw new Error(`no ${file}.mjs/.js/.cjs in ${taskRoot}`);

let handler;
try {
  const module = await import(pathToFileURL(entry).href);
  handler = module[exportName];
  if (typeof handler !== 'function') throw new Error(`${entry} exports no function named ${exportName}`);
  process.send({ ready: true });
} catch (error) {
  process.send({ ready: false, error: { name: error.name, message: error.message, stack: error.stack } });
  process.exit(1);
}

process.on('message', async ({ id, event, timeoutMs }) => {
  const deadline = Date.now() + timeoutMs;
  const requestId = `parity-${id}`;
  process.env._X_AMZN_TRACE_ID = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${String(id).padStart(24, '0')};Parent=${String(id).padStart(16, '0')};Sampled=0`;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: process.env.PARITY_FUNCTION_ARN,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
  try {
    const result = await handler(event, context);
    process.send({ id, result: result === undefined ? null : result });
  } catch (error) {
    process.send({ id, error: { name: error?.name, message: error?.message ?? String(error), stack: error?.stack } });
  }
});
