#!/usr/bin/env node
// umwelt ships TypeScript sources; tsx compiles them on the fly (no build step to forget).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
