#!/usr/bin/env node
// The `trellis` executable: runs the compiled CLI (npm ci / npm run build produce dist/).
import { runCli } from '../dist/cli/main.js';

const code = await runCli(process.argv.slice(2));
if (process.argv[2] !== 'serve' || code !== 0) process.exit(code);
