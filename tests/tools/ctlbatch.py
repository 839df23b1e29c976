#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""ctlbatch - sends control requests in batches (one JSON array per line)
and reports how many succeeded, for tests that need many sessions fast.

  ctlbatch.py SOCKET add N IFACE_A_LIST IFACE_B_LIST [BATCH]
      creates N sessions; session i uses the i-th interface of each
      comma-separated list (round robin), peers 198.18.1.2:(10000+2i%50000)
      and 198.18.2.2:...; prints {"ok":K,"failed":F,"errors":{msg:count},
      "seconds":S,"ids":[first,last]}
  ctlbatch.py SOCKET del ID_FIRST ID_LAST [BATCH]
      deletes s-ID_FIRST..s-ID_LAST; prints the same summary
"""
import json
import socket
import sys
import time


def rpc_lines(sock, reqs):
    sock.sendall((json.dumps(reqs) + "\n").encode())
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = sock.recv(1 << 20)
        if not chunk:
            raise SystemExit("ctlbatch: the daemon closed the connection")
        buf += chunk
    return json.loads(buf)


def run(sock, reqs, batch):
    ok, failed, errors, ids = 0, 0, {}, []
    t0 = time.monotonic()
    for i in range(0, len(reqs), batch):
        for rep in rpc_lines(sock, reqs[i:i + batch]):
            if rep.get("ok"):
                ok += 1
                res = rep.get("result") or {}
                if "id" in res:
                    ids.append(res["id"])
            else:
                failed += 1
                errors[rep.get("error", "?")] = errors.get(rep.get("error", "?"), 0) + 1
    secs = time.monotonic() - t0
    return {"ok": ok, "failed": failed, "errors": errors, "seconds": round(secs, 3),
            "ids": [ids[0], ids[-1]] if ids else []}


def main():
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    path, verb = sys.argv[1], sys.argv[2]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    if verb == "add":
        n = int(sys.argv[3])
        ia, ib = sys.argv[4].split(","), sys.argv[5].split(",")
        batch = int(sys.argv[6]) if len(sys.argv) > 6 else 1000
        reqs = [{"command": "session.add", "args": {
            "iface_a": ia[i % len(ia)], "peer_a": "198.18.1.2:%d" % (10000 + 2 * i % 50000),
            "iface_b": ib[i % len(ib)], "peer_b": "198.18.2.2:%d" % (10000 + 2 * i % 50000)}}
            for i in range(n)]
    elif verb == "del":
        first, last = int(sys.argv[3]), int(sys.argv[4])
        batch = int(sys.argv[5]) if len(sys.argv) > 5 else 1000
        reqs = [{"command": "session.del", "args": {"id": "s-%d" % i}}
                for i in range(first, last + 1)]
    else:
        raise SystemExit(__doc__)
    print(json.dumps(run(sock, reqs, batch)))


if __name__ == "__main__":
    main()
