import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { runMain, SYNTHETIC } from './run.js';

/** Every element carrying a data-share attribute, as [group, share]. */
function dataShares(xml: string): [string, number][] {
  const found: [string, number][] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (typeof record['@_data-share'] === 'string' && typeof record['@_data-group'] === 'string') {
        found.push([record['@_data-group'] as string, Number(record['@_data-share'])]);
      }
      Object.values(record).forEach(visit);
    }
  };
  visit(new XMLParser({ ignoreAttributes: false, preserveOrder: false }).parse(xml));
  return found;
}

describe('figures and reports from the command line', () => {
  it('decompose --format svg draws the same shares as the JSON, with the given title escaped', async () => {
    const svg = await runMain(['decompose', ...SYNTHETIC, '--format', 'svg', '--title', 'Split <of> "rates" & more']);
    expect(svg.status).toBe(0);
    expect(svg.stdout).toMatch(/^<svg /);
    expect(svg.stdout).toContain('Split &lt;of&gt; &quot;rates&quot; &amp; more');
    const json = JSON.parse((await runMain(['decompose', ...SYNTHETIC, '--format', 'json'])).stdout);
    const shares = new Map(dataShares(svg.stdout));
    for (const group of json.groups) expect(shares.get(group.name)).toBeCloseTo(group.share, 12);
    expect(shares.get('unexplained')).toBeCloseTo(json.unexplained.share, 12);
  });

  it('report writes one self-contained HTML file with the exact command', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cpv-report-')), 'report.html');
    const result = await runMain(['report', '--bootstrap', '50', '--seed', '4', '--output', out]);
    expect(result.status).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/i);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect(html).toContain(`cpp-variance report --bootstrap 50 --seed 4 --output ${out}`);
    expect(html).toMatch(/[0-9a-f]{64}/); // SHA-256 of the input
  });

  it('fit does not draw figures', async () => {
    expect((await runMain(['fit', '--format', 'svg'])).status).toBe(2);
  });
});
