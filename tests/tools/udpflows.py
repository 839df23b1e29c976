#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""udpflows - RTP through many sessions at once, for the soak
(scripts/soak.sh): one socket per session's peer, so every packet comes
from the endpoint the session was signalled with.

  udpflows.py send --flows FILE [--every K] [--count N] [--rate PPS]
      For every K-th line of FILE (lines "ID LEG_A_LOCAL PEER_A LEG_B_LOCAL
      PEER_B", as tests/tools/ctlbench.c writes them), binds PEER_A and
      sends N RTP packets (version 2, 12-byte header, 160 bytes of payload)
      to LEG_A_LOCAL, the flows round robin, PPS packets a second in all.
      Run it in the namespace that holds PEER_A's address.
  udpflows.py recv --flows FILE [--every K] [--expect N] [--timeout S]
      Binds PEER_B of the same lines and counts what arrives, until every
      flow has N packets from its LEG_B_LOCAL or S seconds passed without a
      packet (default 3). Start it before the sender; it prints "ready" on
      stderr once every socket is bound.

Each prints one JSON object: send {"flows", "sent"}; recv {"flows",
"received", "bad_source", "short_flows"}. Exit 0 when everything was sent,
or every flow received exactly N from the right source; 1 otherwise; 2 on
usage or setup errors. Bounded: a send lasts count * flows / rate seconds,
a receive stops after --timeout seconds of silence (and at 600 s in all).
"""
import argparse
import json
import select
import socket
import struct
import sys
import time


def endpoint(s):
    ip, port = s.rsplit(":", 1)
    return ip, int(port)


def read_flows(path, every):
    flows = []
    with open(path) as f:
        for i, line in enumerate(f):
            w = line.split()
            if len(w) == 5 and i % every == 0:
                flows.append((w[0], endpoint(w[1]), endpoint(w[2]), endpoint(w[3]),
                              endpoint(w[4])))
    return flows


def bound(addr):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind(addr)
    s.setblocking(False)
    return s


def send(a, flows):
    socks = [bound(f[2]) for f in flows]
    gap = 1.0 / a.rate
    sent = 0
    t0 = time.monotonic()
    for n in range(a.count):
        for k, f in enumerate(flows):
            ssrc = 0x50000000 + k
            pkt = struct.pack("!BBHII", 0x80, 0, n & 0xffff, n * 160, ssrc) + bytes(160)
            due = t0 + sent * gap
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            try:
                socks[k].sendto(pkt, f[1])
                sent += 1
            except BlockingIOError:
                time.sleep(0.001)
    print(json.dumps({"flows": len(flows), "sent": sent}))
    return 0 if sent == a.count * len(flows) else 1


def recv(a, flows):
    socks = [bound(f[4]) for f in flows]
    by_fd = {s.fileno(): k for k, s in enumerate(socks)}
    got = [0] * len(flows)
    bad = 0
    print("ready", file=sys.stderr, flush=True)
    poll = select.poll()
    for s in socks:
        poll.register(s, select.POLLIN)
    end = time.monotonic() + 600
    while time.monotonic() < end and any(g < a.expect for g in got):
        ready = poll.poll(a.timeout * 1000)
        if not ready:
            break
        for fd, _ in ready:
            k = by_fd[fd]
            while True:
                try:
                    _, src = socks[k].recvfrom(2048)
                except BlockingIOError:
                    break
                if src == flows[k][3]:
                    got[k] += 1
                else:
                    bad += 1
    short = sum(1 for g in got if g != a.expect)
    print(json.dumps({"flows": len(flows), "received": sum(got), "bad_source": bad,
                      "short_flows": short}))
    return 0 if not short and not bad else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("mode", choices=["send", "recv"])
    p.add_argument("--flows", required=True)
    p.add_argument("--every", type=int, default=1)
    p.add_argument("--count", type=int, default=10)
    p.add_argument("--rate", type=float, default=1000.0)
    p.add_argument("--expect", type=int, default=10)
    p.add_argument("--timeout", type=float, default=3.0)
    a = p.parse_args()
    if a.every < 1 or a.rate <= 0 or a.count < 0:
        p.error("--every and --rate must be positive")
    try:
        flows = read_flows(a.flows, a.every)
        return send(a, flows) if a.mode == "send" else recv(a, flows)
    except OSError as e:
        print("udpflows: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
