/** Replay's wiring (the replay Lambda, the local server's background rebuild and the CLI). */
import { replayStores } from '../../shared/adapters/dynamodb/views/replay-store';
import type { ReplayContext } from '../../shared/application/replay';
import type { Runtime } from '../runtime';

/** What replay needs: the events, and its stores on the views table. */
export function replayContext(rt: Runtime, log?: (line: string) => void): ReplayContext {
  return { events: rt.events, ...replayStores(rt.viewsDb, rt.tables.views), ...(log ? { log } : {}) };
}
