import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { expect } from 'vitest';

// ── a small DOM over fast-xml-parser's ordered output ──────────────────────────────────────────────────────

export interface XmlNode {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlNode[];
  /** Text content of the node and its descendants. */
  readonly text: string;
}

type Ordered = Record<string, unknown> & { ':@'?: Record<string, string> };

function toNode(item: Ordered): XmlNode {
  if ('#text' in item) return { name: '#text', attrs: {}, children: [], text: String(item['#text']) };
  const name = Object.keys(item).find((key) => key !== ':@')!;
  const children = (item[name] as Ordered[]).map(toNode);
  return { name, attrs: item[':@'] ?? {}, children, text: children.map((c) => c.text).join('') };
}

/** Parse strictly: the document must be well-formed XML, or the test fails. */
export function parseXml(markup: string): XmlNode {
  expect(XMLValidator.validate(markup)).toBe(true);
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    htmlEntities: true,
  });
  const items = parser.parse(markup) as Ordered[];
  const roots = items
    .map(toNode)
    .filter((node) => node.name !== '#text' && !node.name.startsWith('!') && !node.name.startsWith('?'));
  expect(roots).toHaveLength(1);
  return roots[0]!;
}

export function findAll(node: XmlNode, test: (node: XmlNode) => boolean): XmlNode[] {
  return [...(test(node) ? [node] : []), ...node.children.flatMap((child) => findAll(child, test))];
}

export function one(node: XmlNode, test: (node: XmlNode) => boolean): XmlNode {
  const found = findAll(node, test);
  expect(found).toHaveLength(1);
  return found[0]!;
}
