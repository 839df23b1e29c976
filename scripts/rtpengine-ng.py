#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""rtpengine-ng.py - calls through rtpengine's ng control protocol for the
bench's srtp phase (scripts/bench-srtp.sh): the same sessions rtpedged gets
from ctlbench, bridged RTP <-> SRTP by rtpengine.

  rtpengine-ng.py add --count N --mode enc|dec|both --suite SUITE --key BASE64
                      --flows FILE [--ng HOST:PORT] [--peer-a IP] [--peer-b IP]
      N calls. Call k: side A (the carrier) at PEER_A + k / 30000 :
      2000 + 2 (k % 30000), side B (the sbc) likewise at PEER_B, as
      ctlbench makes them. mode enc: A offers RTP/AVP, rtpengine offers B
      RTP/SAVP (transport-protocol), B answers with the offered crypto tag
      of SUITE and its key: rtpengine encrypts A -> B. mode dec: A offers
      RTP/SAVP with a=crypto SUITE and KEY, B gets and answers RTP/AVP:
      rtpengine decrypts A -> B. mode both: A offers RTP/SAVP with KEY, B
      answers RTP/SAVP with the offered tag of SUITE and KEY: rtpengine
      decrypts and encrypts again A -> B (its own key). Appends "CALL-ID LEG_A_LOCAL PEER_A
      LEG_B_LOCAL PEER_B" per call to FILE (rtpgen's flows).
  rtpengine-ng.py del --flows FILE [--ng HOST:PORT]
      Deletes every call FILE lists.

Prints one JSON object like ctlbench's: {"op", "sessions", "seconds",
"per_s", "refused", "first_error"}; exit 0 when every request succeeded.
The ng protocol: "COOKIE BENCODED-DICT" over UDP, the reply "COOKIE DICT";
requests are pipelined (WINDOW in flight) and matched by cookie, unique
to this process (rtpengine answers a cookie it has seen from its cache).
"""
import argparse
import ipaddress
import json
import os
import re
import select
import socket
import sys
import time

WINDOW = 32
PORTS_PER_ADDR = 30000


def benc(v):
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, list):
        return b"l" + b"".join(benc(x) for x in v) + b"e"
    if isinstance(v, dict):
        return b"d" + b"".join(benc(k) + benc(v[k]) for k in sorted(v)) + b"e"
    raise TypeError(type(v))


def bdec(b, i=0):
    c = b[i:i + 1]
    if c == b"i":
        j = b.index(b"e", i)
        return int(b[i + 1:j]), j + 1
    if c in (b"l", b"d"):
        out, i = [], i + 1
        while b[i:i + 1] != b"e":
            x, i = bdec(b, i)
            out.append(x)
        if c == b"l":
            return out, i + 1
        return {out[k].decode(): out[k + 1] for k in range(0, len(out), 2)}, i + 1
    j = b.index(b":", i)
    n = int(b[i:j])
    return b[j + 1:j + 1 + n], j + 1 + n


def peer(base, k):
    return "%s:%d" % (ipaddress.IPv4Address(base) + k // PORTS_PER_ADDR,
                      2000 + 2 * (k % PORTS_PER_ADDR))


def sdp(ep, proto, crypto=None):
    ip, port = ep.split(":")
    s = ("v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
         "m=audio %s %s 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n" % (ip, ip, port, proto))
    return s + ("a=crypto:%s\r\n" % crypto if crypto else "")


def sdp_ep(text):
    """The media endpoint an SDP rtpengine wrote names."""
    c = re.search(r"^c=IN IP4 (\S+)", text, re.M)
    m = re.search(r"^m=audio (\d+) ", text, re.M)
    if not c or not m:
        raise ValueError("no c= or m=audio in rtpengine's SDP")
    return "%s:%s" % (c.group(1), m.group(1))


class Ng:
    def __init__(self, addr):
        host, port = addr.rsplit(":", 1)
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.connect((host, int(port)))
        self.n = 0
        # rtpengine answers a cookie it has seen with its cached reply: unique ones
        self.prefix = b"%x%x." % (os.getpid(), int(time.time() * 1000) & 0xffffffff)
        self.refused = 0
        self.first_error = ""

    def run(self, reqs):
        """Sends every request (a dict), WINDOW in flight; the replies in order
        (None for one refused or lost)."""
        out = [None] * len(reqs)
        pending = {}
        nxt = 0
        deadline = time.monotonic() + 30 + len(reqs) / 200
        while (nxt < len(reqs) or pending) and time.monotonic() < deadline:
            while nxt < len(reqs) and len(pending) < WINDOW:
                self.n += 1
                cookie = self.prefix + b"%d" % self.n
                pending[cookie] = nxt
                self.s.send(cookie + b" " + benc(reqs[nxt]))
                nxt += 1
            if not select.select([self.s], [], [], 1.0)[0]:
                continue
            data = self.s.recv(65536)
            cookie, _, body = data.partition(b" ")
            if cookie not in pending:
                continue
            k = pending.pop(cookie)
            reply, _ = bdec(body)
            if reply.get("result") == b"ok":
                out[k] = reply
            else:
                self.refused += 1
                self.first_error = self.first_error or repr(reply)[:200]
        for k in pending.values():
            self.refused += 1
            self.first_error = self.first_error or "no reply to request %d" % k
        return out


def crypto_tag(text, suite):
    m = re.search(r"^a=crypto:(\d+) %s " % re.escape(suite), text, re.M)
    if not m:
        raise ValueError("rtpengine offered no %s" % suite)
    return m.group(1)


def add(a, ng):
    pa = [peer(a.peer_a, k) for k in range(a.count)]
    pb = [peer(a.peer_b, k) for k in range(a.count)]
    ids = ["rb-%d-%d" % (int(time.time() * 1000) % 1000000000, k) for k in range(a.count)]
    crypto = "1 %s inline:%s" % (a.suite, a.key)
    offers = ng.run([{
        "command": "offer", "call-id": ids[k], "from-tag": "a",
        "sdp": sdp(pa[k], "RTP/AVP") if a.mode == "enc" else sdp(pa[k], "RTP/SAVP", crypto),
        "transport-protocol": "RTP/AVP" if a.mode == "dec" else "RTP/SAVP",
        "direction": ["carrier", "sbc"], "replace": ["origin", "session-connection"],
    } for k in range(a.count)])
    answers = []
    for k, o in enumerate(offers):
        if o is None:
            continue
        text = o["sdp"].decode()
        b_sdp = (sdp(pb[k], "RTP/SAVP", "%s %s inline:%s" % (crypto_tag(text, a.suite), a.suite, a.key))
                 if a.mode != "dec" else sdp(pb[k], "RTP/AVP"))
        answers.append((k, sdp_ep(text), {"command": "answer", "call-id": ids[k], "from-tag": "a",
                                          "to-tag": "b", "sdp": b_sdp}))
    replies = ng.run([x[2] for x in answers])
    with open(a.flows, "a") as f:
        for (k, lb, _), r in zip(answers, replies):
            if r is not None:
                f.write("%s %s %s %s %s\n" % (ids[k], sdp_ep(r["sdp"].decode()), pa[k], lb, pb[k]))
    return a.count


def delete(a, ng):
    with open(a.flows) as f:
        ids = [line.split()[0] for line in f if line.strip()]
    ng.run([{"command": "delete", "call-id": i, "from-tag": "a"} for i in ids])
    return len(ids)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("op", choices=["add", "del"])
    p.add_argument("--ng", default="127.0.0.1:2223")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--mode", choices=["enc", "dec", "both"], default="enc")
    p.add_argument("--suite", default="AES_CM_128_HMAC_SHA1_80")
    p.add_argument("--key", default="")
    p.add_argument("--flows", required=True)
    p.add_argument("--peer-a", default="198.18.1.2")
    p.add_argument("--peer-b", default="198.18.2.2")
    a = p.parse_args()
    ng = Ng(a.ng)
    t0 = time.monotonic()
    try:
        n = add(a, ng) if a.op == "add" else delete(a, ng)
    except (ValueError, OSError, KeyError) as e:
        n, ng.refused, ng.first_error = 0, ng.refused + 1, str(e)
    secs = time.monotonic() - t0
    print(json.dumps({"op": a.op, "sessions": n, "seconds": round(secs, 3),
                      "per_s": round((n - ng.refused) / secs) if secs > 0 else 0,
                      "refused": ng.refused, "first_error": ng.first_error}))
    return 1 if ng.refused else 0


if __name__ == "__main__":
    sys.exit(main())
