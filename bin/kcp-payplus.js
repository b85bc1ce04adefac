#!/usr/bin/env node
// The `kcp-payplus` command. The compiled CLI lives in dist/ (built by `npm run build`, which `npm install` runs).
import { main } from '../dist/lib/cli/index.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(err instanceof Error ? err.message : String(err)); process.exitCode = 1; },
);
