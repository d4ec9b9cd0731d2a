#!/usr/bin/env node
// CDK entry point (cdk.json "app"). Synth is offline: no credentials, no context lookups.
import { createNewsroomApp } from './newsroom-app.js';

createNewsroomApp();
