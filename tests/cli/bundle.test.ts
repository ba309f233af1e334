/**
 * The shipped bundle (dist/bin, built by rolldown.config.ts): its worker threads are where the code that starts
 * them looks for them and compute what the sources compute, and `decompose` loads only what it needs. What the
 * package ships, and that it runs installed, is tests/readme/install.test.ts's.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { GroupData, ModelData } from '../../src/models/design/modelData.js';
import { enginesOf } from '../../src/models/engines/engines.js';
import { planExactShapley } from '../../src/models/engines/exactShapley.js';
import { FINISHED_TASKS, NEXT_TASK, TASK_STATES, type ShapleyJob } from '../../src/models/parallel/shapleyJob.js';
import { testRandom } from '../helpers.js';
import { CLI, runCli } from './run.js';

const BIN = resolve(CLI, '..');
const chunks = readdirSync(BIN).filter((file) => file.endsWith('.js'));
const WORKERS = ['shapleyWorker.js', 'bootstrapWorker.js', 'permutationWorker.js'];

/** The bundle's source modules in a chunk, by rolldown's `// dist/src/…` and `// node_modules/…` markers. */
function modulesOf(chunk: string): string[] {
  return [...readFileSync(join(BIN, chunk), 'utf8').matchAll(/^\/\/ ((?:dist\/src|node_modules)\/\S+)$/gm)].map(
    (match) => match[1]!,
  );
}

describe('the bundle in dist/bin', () => {
  it('holds every worker script beside the chunk that starts it', () => {
    const referenced = new Set<string>();
    for (const chunk of chunks) {
      for (const [, name] of readFileSync(join(BIN, chunk), 'utf8').matchAll(
        /new URL\("\.\/([\w.-]+)", import\.meta\.url\)/g,
      )) {
        referenced.add(name!);
        expect(chunks, `${chunk} starts ${name}`).toContain(name);
      }
    }
    expect([...referenced].sort()).toEqual([...WORKERS].sort());
  });

  it('runs a Shapley worker that computes every task to the last bit as the sources do', async () => {
    const random = testRandom(21);
    const n = 300;
    const p = 20;
    const common = Float64Array.from({ length: n }, random.normal);
    const groups: GroupData[] = Array.from({ length: p }, (_, j) => ({
      kind: 'numeric',
      name: `x${j}`,
      columns: [`x${j}`],
      values: [Float64Array.from(common, (c) => 0.6 * c + random.normal())],
    }));
    const y = Float64Array.from({ length: n }, (_, i) => 0.3 * common[i]! + random.normal());
    const data: ModelData = { outcome: 'y', n, y, groups, droppedRows: 0, missingByColumn: {} };
    const plan = planExactShapley(data, enginesOf(data));
    expect(plan.tasks).toBeGreaterThan(1);
    const stride = plan.players + 2;
    const control = new SharedArrayBuffer((TASK_STATES + plan.tasks) * Int32Array.BYTES_PER_ELEMENT);
    const results = new SharedArrayBuffer(plan.tasks * stride * Float64Array.BYTES_PER_ELEMENT);
    const job: ShapleyJob = {
      data,
      transfer: plan.transfer(),
      control,
      results,
      claimedAt: new SharedArrayBuffer(plan.tasks * Float64Array.BYTES_PER_ELEMENT),
    };
    new Int32Array(control)[NEXT_TASK] = 0;
    const worker = new Worker(pathToFileURL(join(BIN, 'shapleyWorker.js')), { workerData: job });
    const code = await new Promise<number>((done, failed) => {
      worker.once('error', failed);
      worker.once('exit', done);
    });
    expect(code).toBe(0);
    expect(Atomics.load(new Int32Array(control), FINISHED_TASKS)).toBe(plan.tasks);
    const rows = new Float64Array(results);
    const here = new Float64Array(stride);
    for (let task = 0; task < plan.tasks; task++) {
      plan.runTask(task, here);
      here.forEach((value, j) => expect(Object.is(rows[task * stride + j], value)).toBe(true));
    }
  });

  it('decompose on the bundled panel loads the bundle only, without the other commands or optional libraries', () => {
    const hook = `data:text/javascript,${encodeURIComponent(
      `import { register } from 'node:module';
       register('data:text/javascript,' + encodeURIComponent(
         'export async function load(url, context, next) { console.error("LOADED " + url); return next(url, context); }'
       ));`,
    )}`;
    const run = spawnSync(process.execPath, ['--import', hook, CLI, 'decompose'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    const loaded = run.stderr
      .split('\n')
      .filter((line) => line.startsWith('LOADED file:'))
      .map((line) => line.slice('LOADED file://'.length));
    expect(loaded.length).toBeGreaterThan(0);
    for (const file of loaded) expect(file.startsWith(`${BIN}/`), file).toBe(true);
    const modules = loaded.flatMap((file) => modulesOf(file.slice(BIN.length + 1)));
    expect(modules).toContain('dist/src/commands/decompose.js');
    const unwanted = [
      /^dist\/src\/commands\/(fit|report|tables|simulate)\.js$/,
      /^dist\/src\/request\/specFile\.js$/,
      /^node_modules\/(ajv|cli-progress|fflate|simple-statistics|@stdlib)\//,
    ];
    expect(modules.filter((module) => unwanted.some((pattern) => pattern.test(module)))).toEqual([]);
  });

  it('decompose on the bundled panel uses no Intl (its first use costs a cold run about 13 ms)', () => {
    const plain = runCli(['decompose']);
    expect(plain.status).toBe(0);
    const refuse = `data:text/javascript,${encodeURIComponent(
      `for (const name of ['Collator', 'NumberFormat', 'PluralRules', 'DateTimeFormat'])
         Intl[name] = function () { throw new Error('Intl.' + name + ' used'); };
       Number.prototype.toLocaleString = function () { throw new Error('toLocaleString used'); };
       String.prototype.localeCompare = function () { throw new Error('localeCompare used'); };`,
    )}`;
    const run = spawnSync(process.execPath, ['--import', refuse, CLI, 'decompose'], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(run.stderr).toBe(plain.stderr);
    expect(run.stdout).toBe(plain.stdout);
  });

  it('loads what only some inputs and options need when they are used: an .ods file, BCa intervals', () => {
    const cell = (value: string) =>
      `<table:table-cell office:value-type="string"><text:p>${value}</text:p></table:table-cell>`;
    const row = (...values: string[]) => `<table:table-row>${values.map(cell).join('')}</table:table-row>`;
    const content =
      '<?xml version="1.0" encoding="UTF-8"?><office:document-content ' +
      'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" ' +
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" ' +
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>' +
      `<table:table table:name="Data">${row('la', 'x')}${row('A', '1')}${row('B', '2')}</table:table>` +
      '</office:spreadsheet></office:body></office:document-content>';
    const path = join(mkdtempSync(join(tmpdir(), 'cpv-bundle-')), 'small.ods');
    writeFileSync(
      path,
      zipSync({
        mimetype: [strToU8('application/vnd.oasis.opendocument.spreadsheet'), { level: 0 }],
        'content.xml': strToU8(content),
      }),
    );
    const described = runCli(['describe', path, '--format', 'json']);
    expect(described.stderr).toBe('');
    expect(JSON.parse(described.stdout)).toMatchObject({ file: `${path} sheet "Data"`, rows: 2 });
    const bca = runCli(['decompose', '--bootstrap', '30', '--seed', '2', '--ci-type', 'bca', '--format', 'json']);
    expect(bca.status).toBe(0);
    expect(JSON.parse(bca.stdout).groups[0].ciLow).toEqual(expect.any(Number));
  });
});
