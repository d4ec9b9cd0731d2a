#!/usr/bin/python3
"""Parse a feed document with the Universal Feed Parser and print the result as JSON.

Run with Debian's interpreter, which has python3-feedparser (scripts/install-test-tools.sh):

    /usr/bin/python3 feedparse.py [--content-type TYPE] [--location URL] < feed.xml

The document is read as bytes from stdin, so feedparser does its own encoding detection
(XML declaration, BOM, and the Content-Type charset if --content-type is given).
Output: one JSON object, see FeedparserResult in index.ts. Time structs (*_parsed) become
ISO 8601 UTC strings; every other value is made JSON-serializable. Keys that this script
does not map to a named field are kept, sanitized, under "extra" (e.g. "thr_in-reply-to",
"at_deleted-entry").
"""
import argparse
import json
import sys
import time

import feedparser

FEED_FIELDS = ("title", "subtitle", "link", "links", "language", "id", "updated",
               "updated_parsed", "author", "authors")
ENTRY_FIELDS = ("id", "title", "link", "links", "summary", "content", "published",
                "published_parsed", "updated", "updated_parsed", "author", "authors",
                "tags", "enclosures")


def jsonable(value):
    if isinstance(value, time.struct_time):
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def detail_language(node, key):
    detail = node.get(key + "_detail")
    return detail.get("language") if detail else None


def common(node, fields):
    out = {}
    for key in fields:
        value = node.get(key)
        if key in ("links", "authors", "enclosures"):
            out[key] = jsonable(value or [])
        else:
            out[key] = jsonable(value)
    return out


def extra(node, fields):
    skip = set(fields) | {f + "_detail" for f in fields}
    return {k: jsonable(v) for k, v in node.items() if k not in skip}


def convert_feed(feed):
    out = common(feed, FEED_FIELDS)
    out["title_language"] = detail_language(feed, "title")
    out["extra"] = extra(feed, FEED_FIELDS)
    return out


def convert_entry(entry):
    out = common(entry, ENTRY_FIELDS)
    out["content"] = [
        {"type": c.get("type"), "value": c.get("value"), "language": c.get("language")}
        for c in entry.get("content", [])
    ]
    out["tags"] = [t.get("term") for t in entry.get("tags", []) if t.get("term") is not None]
    out["title_language"] = detail_language(entry, "title")
    out["extra"] = extra(entry, ENTRY_FIELDS)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--content-type", help="Content-Type response header to pretend")
    ap.add_argument("--location", help="Content-Location (base URL) to pretend")
    args = ap.parse_args()
    headers = {}
    if args.content_type:
        headers["content-type"] = args.content_type
    if args.location:
        headers["content-location"] = args.location
    data = sys.stdin.buffer.read()
    d = feedparser.parse(data, response_headers=headers)
    exc = d.get("bozo_exception")
    result = {
        "bozo": bool(d.get("bozo")),
        "bozo_exception": None if exc is None else "%s: %s" % (type(exc).__name__, exc),
        "version": d.get("version") or "",
        "encoding": d.get("encoding"),
        "namespaces": jsonable(d.get("namespaces", {})),
        "feed": convert_feed(d.get("feed", {})),
        "entries": [convert_entry(e) for e in d.get("entries", [])],
    }
    json.dump(result, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
