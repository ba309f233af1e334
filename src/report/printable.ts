/**
 * Text from the data (column names, labels, file names) made safe to show to a person: on a terminal, in a
 * Markdown page, in an error message. ONE rule, used by every text renderer and by the error messages.
 *
 * Characters that act on a terminal or hide in text are shown as escapes instead of being passed through or
 * silently dropped, so that a reader sees that a name is odd:
 * - C0 controls U+0000–U+001F (ESC starts terminal sequences, BEL rings, CR and BS overwrite what was printed;
 *   tab, line feed and carriage return are shown as `\t`, `\n`, `\r`), DEL U+007F and the C1 controls
 *   U+0080–U+009F (U+009B is CSI on many terminals), shown as `\u001b`;
 * - invisible format characters that change how text reads: line and paragraph separators U+2028/U+2029,
 *   bidirectional marks, embeddings, overrides and isolates ("Trojan Source"), zero-width spaces and joiners,
 *   the byte-order mark inside a name, and the interlinear annotation characters.
 *
 * The escape is idempotent: `printable(printable(x)) === printable(x)` (a backslash is left as it is), so text
 * that passed through once can pass again. CSV and JSON outputs keep the data as data (see the README).
 */
const BEYOND_C0 = '\\u007f-\\u009f\\u061c\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u206f\\ufeff\\ufff9-\\ufffb';
const UNPRINTABLE = new RegExp(`[\\u0000-\\u001f${BEYOND_C0}]`, 'g');
/** What JSON.stringify leaves raw (it escapes U+0000–U+001F itself). */
const UNPRINTABLE_IN_JSON = new RegExp(`[${BEYOND_C0}]`, 'g');

const SHORT: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(character: string): string {
  return SHORT[character] ?? `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * One name or cell as one line of inert text: every control and invisible format character (line breaks and
 * tabs included) becomes a visible escape, e.g. `"rate\u001b]0;x\u0007"`, `"a\nb"`.
 *
 * @example printable('north\u001b[2J') // 'north\\u001b[2J'
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, escapeOne);
}

/** Text of several lines (a message, a stack trace): each line as `printable` makes it, line feeds kept. */
export function printableLines(text: string): string {
  return text.split('\n').map(printable).join('\n');
}

/** SGR sequences (colours, bold) as chalk writes them: ESC [ digits; … m. Nothing else is let through. */
const SGR = /\u001b\[[0-9;]*m/y;

/**
 * The last guard of a text (terminal) output: every line as `printable` makes it, except that `\n` ends lines
 * and, when `colour` is set, the colour sequences the renderer itself added are kept. Renderers escape each
 * name where they place it (so columns line up); this catches anything that slipped through.
 */
export function terminalText(text: string, colour = false): string {
  if (!colour) return printableLines(text);
  let out = '';
  let i = 0;
  while (i < text.length) {
    const character = text[i]!;
    if (character === '\u001b') {
      SGR.lastIndex = i;
      const match = SGR.exec(text);
      if (match) {
        out += match[0];
        i += match[0].length;
        continue;
      }
    }
    out += character === '\n' ? '\n' : printable(character);
    i++;
  }
  return out;
}

/**
 * JSON text of `value` with the characters `printable` escapes written as `\uXXXX` escapes (JSON.stringify
 * escapes only U+0000–U+001F). The parsed value is unchanged; the bytes carry no terminal controls.
 */
export function jsonText(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent).replace(
    UNPRINTABLE_IN_JSON,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * A Markdown table cell, title or list item: `printable`, then the characters that would start HTML (< > &),
 * code (`), a link or image ([ ]), a table cell (|) or an escape (\) are escaped, so a name shows as written
 * and a renderer runs nothing from it.
 */
export function markdownText(text: string): string {
  return printable(text).replace(/[\\|&<>`[\]]/g, (c) => MARKDOWN[c]!);
}

const MARKDOWN: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '|': '\\|',
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '`': '&#96;',
  '[': '\\[',
  ']': '\\]',
};
