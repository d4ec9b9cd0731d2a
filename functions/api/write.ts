/** Lambda: the editors' write API (API Gateway HTTP API → Hono). */
import { handle } from 'hono/aws-lambda';
import { writeApp } from '../../shared/http/write-app';
import { createRuntime, createWriter, logger } from '../runtime';
import { loadEditorTokens } from './tokens';

const rt = createRuntime();

export const handler = handle(writeApp({ writer: createWriter(rt), tokens: loadEditorTokens, log: logger }));
