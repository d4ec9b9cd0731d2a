/**
 * Building XML feeds as a namespace-aware DOM (@xmldom/xmldom) and serializing it: the library
 * does every escape (text, attributes, `]]>`), so editor text can only ever be character data.
 */
import type { Document, Element } from '@xmldom/xmldom';
// The DOM and its serializer alone: the package's index also loads its parser, sax and the HTML
// entity table (about 50 KB of a Lambda bundle) that building a feed never uses.
import { DOMImplementation, XMLSerializer } from '@xmldom/xmldom/lib/dom.js';

export const NS = {
  atom: 'http://www.w3.org/2005/Atom',
  xml: 'http://www.w3.org/XML/1998/namespace',
  xmlns: 'http://www.w3.org/2000/xmlns/',
  tombstones: 'http://purl.org/atompub/tombstones/1.0',
  history: 'http://purl.org/syndication/history/1.0',
  dc: 'http://purl.org/dc/elements/1.1/',
} as const;

export class XmlBuilder {
  readonly doc: Document;
  readonly root: Element;

  constructor(namespace: string | null, rootName: string, prefixes: Record<string, string> = {}) {
    this.doc = new DOMImplementation().createDocument(namespace, rootName, null);
    this.root = this.doc.documentElement!;
    for (const [prefix, uri] of Object.entries(prefixes)) this.root.setAttributeNS(NS.xmlns, `xmlns:${prefix}`, uri);
  }

  /** Appends `<name attrs>text</name>` to `parent`; attributes with undefined values are left out. */
  el(parent: Element, namespace: string | null, name: string, attrs: Record<string, string | undefined> = {}, text?: string): Element {
    const element = this.doc.createElementNS(namespace, name);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined) continue;
      if (key === 'xml:lang') element.setAttributeNS(NS.xml, key, value);
      else element.setAttribute(key, value);
    }
    if (text !== undefined) element.appendChild(this.doc.createTextNode(text));
    parent.appendChild(element);
    return element;
  }

  toString(): string {
    // A raw CR in character data would be read back as LF (XML end-of-line handling); the
    // serializer writes no CR of its own, so every CR left in its output is editor text.
    const body = new XMLSerializer().serializeToString(this.doc).replace(/\r/g, '&#13;');
    return `<?xml version="1.0" encoding="utf-8"?>\n${body}\n`;
  }
}

/** RFC 3339 in UTC with milliseconds, the form every stored time already has. */
export const rfc3339 = (iso: string) => new Date(iso).toISOString();
/** RFC 822 date for RSS (`Thu, 08 Apr 2010 10:00:00 GMT`). */
export const rfc822 = (iso: string) => new Date(iso).toUTCString();
