#!/usr/bin/env node
// npm run build, after tsc: a parsed copy of each dataset that ships with the package (src/input/prepared.ts).
import { relative } from 'node:path';
import { writePreparedCopies } from '../dist/src/input/prepared.js';

for (const path of writePreparedCopies()) console.log(`parsed copy: ${relative(process.cwd(), path)}`);
