/**
 * Lambda: replay on AWS, one story per invocation (the logic is in ./fan-out.ts). Each story is
 * rebuilt by an asynchronous invocation (InvocationType Event) of this function, named by
 * REPLAY_FUNCTION_NAME, else this function's own name.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { createRuntime, logger } from '../runtime';
import { replayContext } from './context';
import { replayHandler } from './fan-out';

const rt = createRuntime();
const lambda = new LambdaClient({});

export const handler = replayHandler({
  ctx: replayContext(rt, (line) => logger.info(line)),
  info: (message, details) => logger.info(message, details ?? {}),
  async invoke(payload) {
    const functionName = process.env.REPLAY_FUNCTION_NAME ?? process.env.AWS_LAMBDA_FUNCTION_NAME;
    if (!functionName) throw new Error('REPLAY_FUNCTION_NAME (or AWS_LAMBDA_FUNCTION_NAME) is not set');
    await lambda.send(
      new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: new TextEncoder().encode(JSON.stringify(payload)) }),
    );
  },
});
