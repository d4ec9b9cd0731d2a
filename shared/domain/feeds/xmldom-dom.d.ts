/** `@xmldom/xmldom/lib/dom.js`: the package's DOM module, whose classes its index re-exports (xml.ts imports it alone). */
declare module '@xmldom/xmldom/lib/dom.js' {
  export { DOMImplementation, XMLSerializer } from '@xmldom/xmldom';
}
