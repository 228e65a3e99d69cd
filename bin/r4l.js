#!/usr/bin/env node
// Thin launcher: the CLI is compiled JavaScript, so start-up pays for no TypeScript loader.
import '../dist/engine/cli/main.js';
