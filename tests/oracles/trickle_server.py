#!/usr/bin/env python3
"""A server that answers every GET at once with a body of SIZE bytes, then sends it one byte every INTERVAL_MS: alive,
but hopelessly slow. Usage: trickle_server.py SIZE INTERVAL_MS. Prints 'listening http://127.0.0.1:PORT'.
Stops when its stdin closes."""
import http.server
import sys
import threading
import time

size, interval = int(sys.argv[1]), int(sys.argv[2]) / 1000.0


class Trickle(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def do_GET(self):
        self.send_response(200)
        self.send_header('Content-Type', 'application/octet-stream')
        self.send_header('Content-Length', str(size))
        self.end_headers()
        self.wfile.flush()
        try:
            for _ in range(size):
                time.sleep(interval)
                self.wfile.write(b'x')
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Trickle)
server.daemon_threads = True
threading.Thread(target=server.serve_forever, daemon=True).start()
print(f'listening http://127.0.0.1:{server.server_address[1]}', flush=True)
sys.stdin.read()
server.shutdown()
