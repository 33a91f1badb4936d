#!/usr/bin/env python3
"""Latency of `dcl lsp` from the last keystroke to published diagnostics (BENCHMARKS.md).

Generates a 2,000-line script (small models, functions and bindings), opens it in `dcl lsp`,
then replays an edit trace: bursts of single-character insertions at the end of the file,
typed 20 ms apart (faster than the server's 50 ms debounce, as a person types), each burst
ending in a valid line. For each burst it measures the time from sending the last keystroke's
`didChange` to receiving `publishDiagnostics` for that version, and prints p50 and p99.

    python3 Scripts/lsp-bench.py [--dcl .build/release/dcl] [--lines 2000] [--bursts 40]
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, threading, time, queue

BLOCK = """model m{i} {{
  input x: [1, 28, 28]
  features {{
    conv2d(4, kernel: 3) |> relu
    maxpool(2)
    flatten
  }}
  head {{
    linear(10)
  }}
}}
let v{i} = {i} * 2
fn f{i}(a: int) -> int {{
  let b = a + v{i}
  return b * 2
}}
print f{i}(1)"""


def generate(lines):
    out, i = [], 0
    block_lines = BLOCK.count("\n") + 1
    while len(out) + block_lines <= lines:
        out += BLOCK.format(i=i).split("\n")
        i += 1
    out += ["// padding"] * (lines - len(out))
    return "\n".join(out) + "\n"


class Server:
    def __init__(self, binary):
        self.p = subprocess.Popen([binary, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.inbox = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        out = self.p.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                k, v = line.split(b":", 1)
                if k.lower() == b"content-length":
                    length = int(v)
            self.inbox.put((time.perf_counter(), json.loads(out.read(length))))

    def send(self, message):
        body = json.dumps(message).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.p.stdin.flush()

    def request(self, method, params):
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        while True:
            _, m = self.inbox.get(timeout=60)
            if m.get("id") == self.next_id and "method" not in m:
                return m

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_diagnostics(self, uri, version):
        while True:
            t, m = self.inbox.get(timeout=60)
            p = m.get("params", {})
            if m.get("method") == "textDocument/publishDiagnostics" and p.get("uri") == uri and p.get("version") == version:
                return t, p["diagnostics"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dcl", default=".build/release/dcl")
    ap.add_argument("--lines", type=int, default=2000)
    ap.add_argument("--bursts", type=int, default=40)
    args = ap.parse_args()
    text = generate(args.lines)
    d = tempfile.mkdtemp(prefix="dcl-lsp-bench-")
    path = os.path.join(d, "big.dcl")
    open(path, "w").write(text)
    uri = "file://" + path
    s = Server(args.dcl)
    s.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
    s.notify("initialized", {})
    s.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "dcl", "version": 1, "text": text}})
    _, diags = s.wait_diagnostics(uri, 1)
    if diags:
        sys.exit(f"the generated file has diagnostics: {diags[:2]}")
    version, line = 1, args.lines
    latencies = []
    for b in range(args.bursts):
        typed = f"let typed{b} = {b} + 1\n"
        col = 0
        for ch in typed:
            version += 1
            if ch == "\n":
                change = {"range": {"start": {"line": line, "character": col}, "end": {"line": line, "character": col}}, "text": "\n"}
                line, col = line + 1, 0
            else:
                change = {"range": {"start": {"line": line, "character": col}, "end": {"line": line, "character": col}}, "text": ch}
                col += 1
            s.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]})
            sent = time.perf_counter()
            if ch != "\n":
                time.sleep(0.02)
        received, diags = s.wait_diagnostics(uri, version)
        if diags:
            sys.exit(f"unexpected diagnostics after burst {b}: {diags[:2]}")
        latencies.append((received - sent) * 1000)
    s.request("shutdown", None)
    s.notify("exit", None)
    s.p.wait(timeout=10)
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(round(0.99 * (len(latencies) - 1))))]
    print(f"{args.lines}-line file, {args.bursts} bursts of typing: last keystroke → diagnostics "
          f"p50 {p50:.1f} ms, p99 {p99:.1f} ms (min {latencies[0]:.1f}, max {latencies[-1]:.1f}); "
          f"server exit status {s.p.returncode}")


if __name__ == "__main__":
    main()
