#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""rtpfan.py - RTP to and from many sessions at once, from one bound socket
(test_sip_load.sh: every call of a batch has the same signalled peer, so
one host socket talks to every session's leg).

  rtpfan.py --bind IP:PORT --to EP,EP,... --from EP,EP,... --ssrc HEX
            --peer-ssrc HEX --count K [--round-ms MS] [--timeout-ms MS]
            [--delay-ms MS]

After --delay-ms (default 300: the other end's socket is bound), sends K RTP packets (12-byte header + 160 bytes) to each --to endpoint,
round robin, one round every --round-ms; stream i carries SSRC --ssrc + i.
Receives on the same socket until every --from endpoint has sent K packets
(or the timeout): a packet from the i-th --from endpoint must carry SSRC
--peer-ssrc + i (the other side's stream of the same session). Prints one
JSON object: sent, received, per-stream minimum, bad (wrong source or SSRC).
Exit status 0 when every stream got all K packets and nothing was bad.
"""
import argparse
import json
import select
import socket
import struct
import sys
import time


def endpoint(s):
    host, port = s.rsplit(":", 1)
    return (host, int(port))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bind", required=True)
    ap.add_argument("--to", required=True)
    ap.add_argument("--from", dest="sources", required=True)
    ap.add_argument("--ssrc", required=True)
    ap.add_argument("--peer-ssrc", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--round-ms", type=int, default=20)
    ap.add_argument("--timeout-ms", type=int, default=5000)
    ap.add_argument("--delay-ms", type=int, default=300)
    a = ap.parse_args()
    to = [endpoint(e) for e in a.to.split(",")]
    sources = {endpoint(e): i for i, e in enumerate(a.sources.split(","))}
    ssrc, peer = int(a.ssrc, 16), int(a.peer_ssrc, 16)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # a round of sends while the streams come in: room for every packet
    # (SO_RCVBUFFORCE, 33, passes net.core.rmem_max as root)
    try:
        sock.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)
    except OSError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.bind(endpoint(a.bind))
    sock.setblocking(False)
    got = [0] * len(sources)
    seqs = [set() for _ in sources]
    sent = bad = 0
    # the other end's socket is bound by then (both ends start together)
    start = time.monotonic() + a.delay_ms / 1000.0
    deadline = start + (a.count * a.round_ms + a.timeout_ms) / 1000.0
    next_round, rnd = start, 0

    while time.monotonic() < deadline:
        now = time.monotonic()
        if rnd < a.count and now >= next_round:
            for i, dst in enumerate(to):
                hdr = struct.pack("!BBHII", 0x80, 8, rnd, rnd * 160, ssrc + i)
                try:
                    sock.sendto(hdr + bytes([i & 0xFF]) * 160, dst)
                    sent += 1
                except BlockingIOError:
                    pass
            rnd += 1
            next_round += a.round_ms / 1000.0
        if rnd >= a.count and min(got, default=0) >= a.count:
            break
        wait = max(0.0, min(next_round - time.monotonic(), 0.05)) if rnd < a.count else 0.05
        if not select.select([sock], [], [], wait)[0]:
            continue
        while True:
            try:
                data, src = sock.recvfrom(2048)
            except BlockingIOError:
                break
            j = sources.get(src)
            if j is None or len(data) < 12 or struct.unpack("!I", data[8:12])[0] != peer + j:
                bad += 1
                continue
            got[j] += 1
            seqs[j].add(struct.unpack("!H", data[2:4])[0])
    short = {j: sorted(set(range(a.count)) - seqs[j])[:8] for j in range(len(got))
             if got[j] < a.count}
    report = {"sent": sent, "received": sum(got), "streams": len(got),
              "min_per_stream": min(got, default=0), "bad": bad,
              "missing": {str(j): v for j, v in list(short.items())[:8]}}
    print(json.dumps(report))
    return 0 if report["min_per_stream"] >= a.count and not bad and sent == a.count * len(to) else 1


if __name__ == "__main__":
    sys.exit(main())
