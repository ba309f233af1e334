import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS, PARAMETERS } from '../../src/request/parameters.js';
import { flagTable, markers, withFlagTables } from '../../src/request/reference.js';

describe('the README flag reference is generated from the parameter table', () => {
  const readme = readFileSync('README.md', 'utf8');

  it('has a marked table for every command, equal to the generated one (npm run docs rewrites them)', () => {
    for (const command of COMMANDS) {
      const { open, close } = markers(command);
      expect(readme.includes(open) && readme.includes(close), command).toBe(true);
    }
    expect(withFlagTables(readme, COMMANDS)).toBe(readme);
  });

  it('lists every flag of a command', () => {
    for (const command of COMMANDS) {
      const table = flagTable(command);
      expect(PARAMETERS[command].length).toBeGreaterThan(0);
      for (const parameter of PARAMETERS[command])
        expect(table).toContain(`\`${parameter.flag.replaceAll('|', '\\|')}\``);
    }
  });

  it('replaces only what stands between the markers', () => {
    const { open, close } = markers('stack');
    const text = `before\n${open}\nold\n${close}\nafter\n`;
    expect(withFlagTables(text, ['stack'])).toBe(`before\n${open}\n${flagTable('stack')}\n${close}\nafter\n`);
  });
});
