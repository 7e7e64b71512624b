#!/usr/bin/env python3
"""A slow metrics endpoint: forwards every request to a target URL (InfluxDB's /write) after a delay, and answers with
the target's answer. Usage: slow_proxy.py TARGET_BASE_URL DELAY_MS. Prints 'listening http://127.0.0.1:PORT'.
Stops when its stdin closes."""
import http.server
import sys
import threading
import time
import urllib.error
import urllib.request

target, delay = sys.argv[1].rstrip('/'), int(sys.argv[2]) / 1000.0


class Slow(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        time.sleep(delay)
        request = urllib.request.Request(target + self.path, data=body, method='POST',
                                         headers={'Content-Type': self.headers.get('Content-Type', 'text/plain')})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                status, payload = answer.status, answer.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        self.send_response(status)
        self.send_header('Content-Length', str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Slow)
server.daemon_threads = True
threading.Thread(target=server.serve_forever, daemon=True).start()
print(f'listening http://127.0.0.1:{server.server_address[1]}', flush=True)
sys.stdin.read()
server.shutdown()
