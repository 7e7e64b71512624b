#!/usr/bin/env python3
"""A strict Kodo stand-in in Python's standard library, written from ../shared/docs/kodo-protocol.md alone.

It shares no code with AvaSdk or its C# test server: its HMAC, upload-token, private-URL and qetag checks are its own.
It answers the region query (§7.1), form uploads (§4) and signed downloads from the bucket's source domain (§3, §7.4),
and refuses what the real service refuses: a body without Content-Length (411), chunked bodies (411), unquoted form
field names, a bad token (401), a crc32 that does not match (406), an unsigned or expired download (401).

Usage: strict_kodo.py ACCESS_KEY SECRET_KEY BUCKET
Prints "listening http://127.0.0.1:PORT" once ready. GET /_requests lists the requests so far, each as
"METHOD RAW-TARGET STATUS", the target exactly as it arrived, and for a form upload " fields=" and its field names in order.
"""
import base64
import hashlib
import hmac
import json
import re
import sys
import time
import urllib.parse
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ACCESS_KEY, SECRET_KEY, BUCKET = sys.argv[1:4]
BLOCK = 4 * 1024 * 1024
objects = {}
requests = []


def b64(data):
    return base64.urlsafe_b64encode(data).decode()


def sign(text):
    return b64(hmac.new(SECRET_KEY.encode(), text.encode(), hashlib.sha1).digest())


def qetag(data):
    if len(data) <= BLOCK:
        return b64(b"\x16" + hashlib.sha1(data).digest())
    blocks = b"".join(hashlib.sha1(data[i:i + BLOCK]).digest() for i in range(0, len(data), BLOCK))
    return b64(b"\x96" + hashlib.sha1(blocks).digest())


def parse_form(content_type, body):
    """multipart/form-data as §4 describes it: CRLF lines, quoted field names; None when malformed."""
    match = re.match(r'multipart/form-data;\s*boundary="?([^";]+)"?$', content_type or "")
    if not match:
        return None
    delimiter = b"--" + match.group(1).encode()
    if not body.startswith(delimiter) or not body.rstrip(b"\r\n").endswith(delimiter + b"--"):
        return None
    fields = {}
    for part in body.split(delimiter)[1:-1]:
        if not part.startswith(b"\r\n") or not part.endswith(b"\r\n"):
            return None
        head, separator, value = part[2:-2].partition(b"\r\n\r\n")
        if not separator:
            return None
        disposition = next((line for line in head.decode().split("\r\n") if line.lower().startswith("content-disposition:")), "")
        name = re.search(r';\s*name="([^"]*)"', disposition)
        if not disposition.lower().startswith("content-disposition: form-data") or not name:
            return None
        fields[name.group(1)] = value
    return fields


class Kodo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    fields = None

    def answer(self, status, payload, headers=None):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Reqid", "py-%d" % time.monotonic_ns())
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if not isinstance(payload, bytes):
            self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)
        requests.append("%s %s %d" % (self.command, self.path, status) + (" fields=" + ",".join(self.fields) if self.fields else ""))

    def do_GET(self):
        target = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(target.query)
        if target.path == "/_requests":
            return self.answer(200, list(requests))
        if target.path == "/v4/query":
            if query.get("ak") != [ACCESS_KEY] or query.get("bucket") != [BUCKET]:
                return self.answer(400, {"error": "no such bucket"})
            me = self.headers["Host"]
            hosts = {"region": "z0", "ttl": 86400, "up": {"domains": [me], "old": []}, "io": {"domains": [me]}, "io_src": {"domains": [me]}}
            return self.answer(200, {"hosts": [hosts]})
        # A signed private URL: the token signs everything before "&token=", scheme and host included (§3).
        url, _, token = ("http://" + self.headers["Host"] + self.path).partition("&token=")
        deadline = query.get("e", ["0"])[0]
        if not token or token != ACCESS_KEY + ":" + sign(url) or int(deadline) < time.time():
            return self.answer(401, {"error": "download token not specified or invalid"})
        key = urllib.parse.unquote(target.path[1:])
        if key not in objects:
            return self.answer(404, {"error": "no such file or directory"})
        data = objects[key]
        return self.answer(200, data, {"ETag": '"%s"' % qetag(data)})

    def do_POST(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower() or self.headers.get("Content-Length") is None:
            self.close_connection = True
            return self.answer(411, {"error": "Content-Length required"})
        body = self.rfile.read(int(self.headers["Content-Length"]))
        fields = self.fields = parse_form(self.headers.get("Content-Type"), body)
        if self.path != "/" or fields is None or "file" not in fields:
            return self.answer(400, {"error": "invalid multipart format"})
        parts = fields.get("token", b"").decode().split(":")
        if len(parts) != 3 or parts[0] != ACCESS_KEY or parts[1] != sign(parts[2]):
            return self.answer(401, {"error": "bad token"})
        policy = json.loads(base64.urlsafe_b64decode(parts[2]))
        if policy.get("deadline", 0) < time.time():
            return self.answer(401, {"error": "token out of date"})
        bucket, _, scoped_key = policy["scope"].partition(":")
        key = fields["key"].decode() if "key" in fields else None
        if bucket != BUCKET or (scoped_key and key != scoped_key):
            return self.answer(403, {"error": "key doesn't match with scope"})
        data = fields["file"]
        if "crc32" in fields and int(fields["crc32"]) != zlib.crc32(data):
            return self.answer(406, {"error": "crc32 not match"})
        if key in objects and objects[key] != data and (not scoped_key or policy.get("insertOnly")):
            return self.answer(614, {"error": "file exists"})
        objects[key] = data
        return self.answer(200, {"hash": qetag(data), "key": key})


server = ThreadingHTTPServer(("127.0.0.1", 0), Kodo)
print("listening http://127.0.0.1:%d" % server.server_address[1], flush=True)
server.serve_forever()
