/**
 * A parsed JSON (or YAML) document under test: answers from the wire, OpenAPI, manifests.
 * Tests probe it field by field and assert what they find, so its static type is deliberately open.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one open type tests probe parsed documents with
export type Json = any;
