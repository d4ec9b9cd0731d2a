/**
 * Lambda: releases embargoed updates (./release.ts), invoked by EventBridge Scheduler: a one-time
 * schedule per pending update and a recurring backstop sweep (infra/constructs/releases.ts).
 */
import { DynamoReleaseIndex } from '../../shared/adapters/dynamodb/views/releases';
import { createRuntime, logger } from '../runtime';
import { createWriter } from '../writer';
import { releaseHandler, type ReleaseEvent } from './release';

const rt = createRuntime();
const release = releaseHandler({ writer: createWriter(rt), index: new DynamoReleaseIndex(rt.viewsDb, rt.tables.views), log: logger });

export const handler = async (event: ReleaseEvent) => {
  const result = await release(event);
  logger.info('release run', { ...result, sweep: 'sweep' in event });
  return result;
};
