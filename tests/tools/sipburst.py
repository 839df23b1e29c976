#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""sipburst.py - a burst of calls at a SIP proxy over UDP (test_sip_burst.sh):
N INVITEs (each with an SDP offer) sent back to back from one socket, then
each call's final response taken (INVITEs without a response are sent again
at 0.5, 1, 2, 4 s... as RFC 3261's timer A), 2xx ACKed and, once every
INVITE has its final response and --hold seconds more have passed (the
calls' length), each answered call ended with a BYE (also sent again until
its 200). Bounded by --timeout seconds.

  sipburst.py --to IP:PORT --bind IP:PORT --calls N [--user USER]
              [--media IP:PORT] [--hold S] [--timeout S]

Prints one JSON object: calls, burst_ms (how long the N INVITEs took to
send), finals ({status: count}), answered, no_final, invite_resends,
byes_ok, seconds.
"""
import argparse
import json
import re
import socket
import sys
import time


def header(msg, name):
    m = re.search(r"^%s:[ \t]*(.*?)\r$" % re.escape(name), msg, re.M | re.I)
    return m.group(1) if m else None


def headers(msg, name):
    return re.findall(r"^%s:[ \t]*(.*?)\r$" % re.escape(name), msg, re.M | re.I)


class Call:
    def __init__(self, a, i):
        self.i = i
        self.cid = "burst-%d-%d@%s" % (a.seed, i, a.lip)
        self.tag = "b%d" % i
        self.branch = "z9hG4bK-burst-%d-%d" % (a.seed, i)
        self.final = None
        self.to = None
        self.routes = []
        self.target = None
        self.bye_ok = False
        self.next = 0.0
        self.interval = 0.5


def invite(a, c):
    sdp = ("v=0\r\no=burst %d 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
           "m=audio %d RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=sendrecv\r\n"
           % (c.i, a.lip, a.mip, a.mport))
    return ("INVITE sip:%s@%s:%d SIP/2.0\r\n"
            "Via: SIP/2.0/UDP %s:%d;branch=%s;rport\r\n"
            "From: <sip:burst@%s>;tag=%s\r\nTo: <sip:%s@%s>\r\nCall-ID: %s\r\n"
            "CSeq: 1 INVITE\r\nContact: <sip:burst@%s:%d>\r\nMax-Forwards: 70\r\n"
            "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s"
            % (a.user, a.host, a.port, a.lip, a.lport, c.branch, a.lip, c.tag, a.user,
               a.host, c.cid, a.lip, a.lport, len(sdp), sdp)).encode()


def in_dialog(a, c, method, cseq, branch):
    ruri = c.target or "sip:%s@%s:%d" % (a.user, a.host, a.port)
    route = "".join("Route: %s\r\n" % r for r in c.routes)
    return ("%s %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%d;branch=%s;rport\r\n"
            "From: <sip:burst@%s>;tag=%s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d %s\r\n%s"
            "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
            % (method, ruri, a.lip, a.lport, branch, a.lip, c.tag, c.to, c.cid, cseq, method,
               route)).encode()


def on_invite_response(a, s, c, msg, status):
    if status < 200:
        c.next = float("inf")  # heard: no more resends (timer A stops)
        return
    c.to = header(msg, "To") or header(msg, "t")
    if status >= 300:  # hop-by-hop ACK, the INVITE's branch
        ack = ("ACK sip:%s@%s:%d SIP/2.0\r\nVia: SIP/2.0/UDP %s:%d;branch=%s;rport\r\n"
               "From: <sip:burst@%s>;tag=%s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: 1 ACK\r\n"
               "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
               % (a.user, a.host, a.port, a.lip, a.lport, c.branch, a.lip, c.tag, c.to,
                  c.cid)).encode()
    else:
        rr = [r.strip() for h in headers(msg, "Record-Route") for r in h.split(",")]
        c.routes = list(reversed(rr))
        m = re.search(r"<([^>]+)>", header(msg, "Contact") or header(msg, "m") or "")
        c.target = m.group(1) if m else None
        ack = in_dialog(a, c, "ACK", 1, c.branch + "-ack")
    s.sendto(ack, (a.host, a.port))
    if c.final is None:
        c.final = status


def pump(a, s, calls, deadline):
    """Takes what came in until the socket is quiet for 10 ms."""
    s.settimeout(0.01)
    while time.monotonic() < deadline:
        try:
            data = s.recv(65535).decode(errors="replace")
        except socket.timeout:
            return
        first = data.split("\r\n", 1)[0].split(" ")
        if len(first) < 2 or first[0] != "SIP/2.0":
            continue
        cid, cseq = header(data, "Call-ID") or header(data, "i"), header(data, "CSeq") or ""
        c = calls.get(cid)
        if c is None:
            continue
        if cseq.endswith("INVITE"):
            on_invite_response(a, s, c, data, int(first[1]))
        elif cseq.endswith("BYE") and int(first[1]) >= 200:
            c.bye_ok = int(first[1]) < 300


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--to", required=True)
    ap.add_argument("--bind", required=True)
    ap.add_argument("--calls", type=int, default=300)
    ap.add_argument("--user", default="+15557654321")
    ap.add_argument("--media", default="")
    ap.add_argument("--hold", type=float, default=1)
    ap.add_argument("--timeout", type=float, default=20)
    a = ap.parse_args()
    a.host, a.port = a.to.rsplit(":", 1)[0], int(a.to.rsplit(":", 1)[1])
    a.lip, a.lport = a.bind.rsplit(":", 1)[0], int(a.bind.rsplit(":", 1)[1])
    media = a.media or "%s:5004" % a.lip
    a.mip, a.mport = media.rsplit(":", 1)[0], int(media.rsplit(":", 1)[1])
    a.seed = int(time.time() * 1000) % 1000000
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for opt in (33, socket.SO_RCVBUF):  # SO_RCVBUFFORCE (root), else what is allowed
        try:
            s.setsockopt(socket.SOL_SOCKET, opt, 8 << 20)
            break
        except OSError:
            pass
    s.bind((a.lip, a.lport))
    t0 = time.monotonic()
    deadline = t0 + a.timeout
    calls = {}
    for i in range(a.calls):
        c = Call(a, i)
        calls[c.cid] = c
        s.sendto(invite(a, c), (a.host, a.port))
        c.next = time.monotonic() + c.interval
    burst_ms = (time.monotonic() - t0) * 1000
    resends = 0
    while time.monotonic() < deadline and any(c.final is None for c in calls.values()):
        pump(a, s, calls, deadline)
        now = time.monotonic()
        for c in calls.values():
            if c.final is None and now >= c.next:
                s.sendto(invite(a, c), (a.host, a.port))
                resends += 1
                c.interval = min(c.interval * 2, 4)
                c.next = now + c.interval
    answered = [c for c in calls.values() if c.final is not None and c.final < 300]
    hold_end = min(time.monotonic() + a.hold, deadline)
    while time.monotonic() < hold_end:  # 200s sent again (their ACK lost) are ACKed again
        pump(a, s, calls, hold_end)
    last = 0.0
    while time.monotonic() < deadline and any(not c.bye_ok for c in answered):
        now = time.monotonic()
        if now - last >= 0.5:  # the BYEs of the calls not yet ended, again every 0.5 s
            for c in answered:
                if not c.bye_ok:
                    s.sendto(in_dialog(a, c, "BYE", 2, "z9hG4bK-bye-%d-%d" % (a.seed, c.i)),
                             (a.host, a.port))
            last = now
        pump(a, s, calls, deadline)
    finals = {}
    for c in calls.values():
        if c.final is not None:
            finals[str(c.final)] = finals.get(str(c.final), 0) + 1
    print(json.dumps({
        "calls": a.calls, "burst_ms": round(burst_ms, 1), "finals": finals,
        "answered": len(answered), "no_final": sum(c.final is None for c in calls.values()),
        "invite_resends": resends, "byes_ok": sum(c.bye_ok for c in answered),
        "seconds": round(time.monotonic() - t0, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
