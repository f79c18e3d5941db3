#!/usr/bin/env python3
"""Drives `kubectl mig describe -w -o json` against a fake API server (benches/network.sh).

    watch.py KUBECTL_MIG KUBECONFIG URL REQUEST_LOG [EVENTS] [SAMPLES]

Starts the watch, waits for its first document, then:
1. latency: SAMPLES times, creates a GPU pod on a MIG node through the REST API and times until a
   document shows it, then deletes it and times until a document no longer shows it (from just
   before the request is sent to the moment the document's last byte is read);
2. memory: EVENTS pod events as fast as one keep-alive connection sends them (creates, and
   deletes of the pod created 50 before), then waits for the view to settle; the watch's RSS
   (VmRSS) is sampled after the first document and at the end;
3. requests: counts the list requests the watch sent after its first document (from the
   server's --request-log), and its watch requests.
Prints one JSON object with the results.
"""
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

MIG, KC, URL, LOG = sys.argv[1:5]
EVENTS = int(sys.argv[5]) if len(sys.argv) > 5 else 10000
SAMPLES = int(sys.argv[6]) if len(sys.argv) > 6 else 20
NS = "default"
RESOURCE = "nvidia.com/mig-1g.5gb"


class Docs:
    """Reads the watch's stdout; keeps each document's text and the time its end was read."""

    def __init__(self, stream):
        self.cond = threading.Condition()
        self.docs = []  # (time, text)
        self.stream = stream
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        buf = b""
        while True:
            chunk = os.read(self.stream.fileno(), 1 << 20)
            if not chunk:
                with self.cond:
                    self.docs.append((time.monotonic(), None))
                    self.cond.notify_all()
                return
            now = time.monotonic()
            buf += chunk
            while True:
                end = buf.find(b"\n}\n")
                if end < 0:
                    break
                doc, buf = buf[: end + 3], buf[end + 3 :]
                with self.cond:
                    self.docs.append((now, doc))
                    self.cond.notify_all()

    def wait(self, since, pred, timeout=30.0):
        """The time of the first document read at or after index `since` matching `pred`."""
        deadline = time.monotonic() + timeout
        i = since
        with self.cond:
            while True:
                while i < len(self.docs):
                    t, doc = self.docs[i]
                    if doc is None:
                        raise SystemExit("describe -w ended")
                    if pred(doc):
                        return t, i + 1
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0:
                    raise SystemExit("no document showed the change within %.0fs" % timeout)
                self.cond.wait(left)

    def count(self):
        with self.cond:
            return len(self.docs)


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def pod(name, node):
    limits = {RESOURCE: "1"}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": NS, "labels": {"app": "watch-bench"}},
        "spec": {
            "nodeName": node,
            "restartPolicy": "Never",
            "containers": [
                {"name": "cuda", "image": "nvcr.io/nvidia/cuda:12.9.1-base-ubuntu22.04",
                 "resources": {"limits": limits, "requests": limits}}
            ],
        },
        "status": {"phase": "Running"},
    }


class Api:
    def __init__(self, url):
        u = urllib.parse.urlparse(url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port)
        self.headers = {"Content-Type": "application/json", "Authorization": "Bearer fake-token"}

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        self.conn.request(method, path, body=data, headers=self.headers)
        r = self.conn.getresponse()
        r.read()
        if r.status >= 300:
            raise SystemExit(f"{method} {path}: {r.status}")

    def create(self, name, node):
        self.call("POST", f"/api/v1/namespaces/{NS}/pods", pod(name, node))

    def delete(self, name):
        self.call("DELETE", f"/api/v1/namespaces/{NS}/pods/{name}")


def main():
    log_start = os.path.getsize(LOG)
    proc = subprocess.Popen([MIG, "--kubeconfig", KC, "describe", "-w", "-o", "json"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    docs = Docs(proc.stdout)
    started = time.monotonic()
    _, seen = docs.wait(0, lambda d: True, timeout=120)
    first_doc_s = docs.docs[0][0] - started
    first = json.loads(docs.docs[0][1])
    nodes = [n["name"] for n in first["nodes"]
             if any(r["name"] == RESOURCE and r["allocatable"] > 0 for r in n["resources"])]
    log_after_first = os.path.getsize(LOG)
    rss_start = rss_kb(proc.pid)
    api = Api(URL)

    # 1. latency of single events
    created, deleted = [], []
    for i in range(SAMPLES):
        name = f"watch-bench-latency-{i}"
        key = f'"name": "{name}"'.encode()
        t0 = time.monotonic()
        api.create(name, nodes[i % len(nodes)])
        t1, seen = docs.wait(seen, lambda d: key in d)
        created.append(t1 - t0)
        t0 = time.monotonic()
        api.delete(name)
        t1, seen = docs.wait(seen, lambda d: key not in d)
        deleted.append(t1 - t0)
        time.sleep(0.15)

    # 2. a stream of events; 50 pods alive at a time
    t0 = time.monotonic()
    alive = []
    sent = 0
    i = 0
    while sent < EVENTS:
        name = f"watch-bench-stream-{i}"
        api.create(name, nodes[i % len(nodes)])
        alive.append(name)
        sent += 1
        i += 1
        if len(alive) > 50 and sent < EVENTS:
            api.delete(alive.pop(0))
            sent += 1
    for name in alive:
        api.delete(name)
        sent += 1
    stream_s = time.monotonic() - t0
    last = f'"name": "{alive[-1]}"'.encode()
    start_doc = docs.count()
    t_settled, _ = docs.wait(max(seen, start_doc - 1), lambda d: last not in d and b"watch-bench-stream-" not in d, timeout=120)
    settle_s = t_settled - t0 - stream_s
    time.sleep(0.5)
    rss_end = rss_kb(proc.pid)
    docs_n = docs.count()
    proc.terminate()
    proc.wait(10)

    # 3. the watch's requests after its first document (the driver only sends POST and DELETE)
    lists, watches = 0, 0
    with open(LOG) as f:
        f.seek(log_after_first)
        for line in f:
            method, path, query, status, _ = line.split(" ", 4)
            if method != "GET":
                continue
            if "watch=true" in query or "watch=1" in query:
                watches += 1
            elif status != "410":
                lists += 1
    initial_lists = 0
    with open(LOG) as f:
        f.seek(log_start)
        for line in f.read(log_after_first - log_start).splitlines():
            method, path, query, *_ = line.split(" ")
            if method == "GET" and "watch=" not in query:
                initial_lists += 1

    def ms(xs):
        return {"median": round(statistics.median(xs) * 1000, 1), "max": round(max(xs) * 1000, 1),
                "n": len(xs)}

    print(json.dumps({
        "first_document_s": round(first_doc_s, 3),
        "initial_list_requests": initial_lists,
        "create_ms": ms(created),
        "delete_ms": ms(deleted),
        "events": sent,
        "events_per_s": round(sent / stream_s),
        "settle_after_last_event_s": round(settle_s, 3),
        "documents": docs_n,
        "rss_start_mb": round(rss_start / 1024, 1),
        "rss_end_mb": round(rss_end / 1024, 1),
        "rss_change_pct": round((rss_end - rss_start) * 100 / rss_start, 1),
        "list_requests_after_first_document": lists,
        "watch_requests_after_first_document": watches,
    }))


main()
