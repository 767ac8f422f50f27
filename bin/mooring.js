#!/usr/bin/env node
// The `mooring` command: the compiled CLI (npm install builds dist/ through the `prepare` script).
import '../dist/cli/main.js';
