#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# sip_listen.py - stands in for the relay's SIP listener in end-to-end tests
# (rtpedged does not answer SIP yet): binds the sockets it is given and
# writes one line per datagram or connection to OUT, "udp|tcp PORT SRC
# PAYLOAD", flushed at once, until killed or for at most 300 s.
#
#   sip_listen.py OUT udp:IP:PORT|tcp:IP:PORT...
import select
import socket
import sys
import time


def main():
    out = open(sys.argv[1], "a", buffering=1)
    socks = {}
    for spec in sys.argv[2:]:
        proto, ip, port = spec.split(":")
        kind = socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM
        s = socket.socket(socket.AF_INET, kind)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((ip, int(port)))
        if proto == "tcp":
            s.listen(16)
        socks[s] = (proto, int(port))
    print("ready", file=out)
    end = time.monotonic() + 300
    while time.monotonic() < end:
        ready, _, _ = select.select(list(socks), [], [], 1)
        for s in ready:
            proto, port = socks[s]
            if proto == "udp":
                data, src = s.recvfrom(2048)
            else:
                conn, src = s.accept()
                conn.settimeout(1)
                try:
                    data = conn.recv(2048)
                except OSError:
                    data = b""
                conn.close()
            text = data.decode(errors="replace").strip()
            print(f"{proto} {port} {src[0]} {text}", file=out)


main()
