#!/usr/bin/env python3
"""A tiny HTTP server on 127.0.0.1 for the `expt data fetch` test: serves files from a folder,
honours `Range: bytes=N-` with 206 (python's http.server does not), and can cut the first
responses short to test resumption.

    range_server.py <folder> <port file> <log file> [--cut-first N]

Binds an ephemeral port and writes it to <port file>; logs one line per GET ("<path> <range>")
to <log file>. With --cut-first N, each of the first N GET responses announces its full length
but closes the connection after half of it.
"""
import argparse
import http.server
import os
import re


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("port_file")
    parser.add_argument("log_file")
    parser.add_argument("--cut-first", type=int, default=0)
    args = parser.parse_args()
    state = {"cuts_left": args.cut_first}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            path = os.path.join(args.folder, os.path.basename(self.path))
            range_header = self.headers.get("Range", "-")
            with open(args.log_file, "a") as log:
                log.write(f"{self.path} {range_header}\n")
            if not os.path.isfile(path):
                self.send_error(404)
                return
            with open(path, "rb") as f:
                data = f.read()
            start = 0
            match = re.fullmatch(r"bytes=(\d+)-", range_header)
            if match:
                start = int(match.group(1))
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            body = data[start:]
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            if state["cuts_left"] > 0:
                state["cuts_left"] -= 1
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)

        def log_message(self, *_):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
