/**
 * The flag reference of the README, generated from the parameter table, so that `--help`, the README and the
 * spec's schema cannot drift apart (a test compares the README with this text; `npm run docs` rewrites it).
 */
import { GROUP_FLAGS, MODEL_COMMANDS, PARAMETERS, SPEC_COMMANDS, flagName, type CommandName } from './parameters.js';

const cell = (text: string) => text.replaceAll('|', '\\|');

/**
 * A Markdown table of `command`'s flags: flag (with its placeholder), spec key where the command reads a spec, meaning.
 */
export function flagTable(command: CommandName): string {
  const withKeys = SPEC_COMMANDS.includes(command);
  const rows: string[][] = [];
  if (MODEL_COMMANDS.includes(command)) {
    rows.push([`\`${GROUP_FLAGS.group.flag}\``, withKeys ? '`groups`' : '', GROUP_FLAGS.group.description]);
    rows.push([`\`${GROUP_FLAGS.fe.flag}\``, withKeys ? '`groups`' : '', GROUP_FLAGS.fe.description]);
  }
  for (const parameter of PARAMETERS[command]) {
    rows.push([
      `\`${parameter.flag}\``,
      parameter.key === undefined ? '' : `\`${parameter.key}\``,
      parameter.description,
    ]);
  }
  const header = withKeys ? ['flag', 'spec key', 'meaning'] : ['flag', 'meaning'];
  const line = (row: readonly string[]) => `| ${row.map(cell).join(' | ')} |`;
  return [
    line(header),
    line(header.map(() => '---')),
    ...rows.map((row) => line(withKeys ? row : [row[0]!, row[2]!])),
  ].join('\n');
}

/** Where a generated table stands in the README: between `<!-- flags:NAME -->` and `<!-- /flags:NAME -->`. */
export function markers(command: CommandName): { open: string; close: string } {
  return { open: `<!-- flags:${command} -->`, close: `<!-- /flags:${command} -->` };
}

/** The README with every marked flag table replaced by the generated one. */
export function withFlagTables(readme: string, commands: readonly CommandName[]): string {
  let text = readme;
  for (const command of commands) {
    const { open, close } = markers(command);
    const start = text.indexOf(open);
    const end = text.indexOf(close);
    if (start < 0 || end < start) continue;
    text = `${text.slice(0, start + open.length)}\n${flagTable(command)}\n${text.slice(end)}`;
  }
  return text;
}

export { flagName };
