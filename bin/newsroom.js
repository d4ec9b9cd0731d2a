#!/usr/bin/env node
// The `newsroom` bin: runs the TypeScript CLI through tsx, resolved next to this file, so it works
// from any directory and needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./newsroom.ts');
process.exitCode = await main(process.argv.slice(2));
