#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""sipblast.py - sends files as SIP messages to a SIP port, each as one UDP
datagram and again over a TCP connection of its own (test_sip_route.sh:
bad input must not hurt the proxy). Replies are read and ignored.

  sipblast.py --to IP:PORT [--bind IP] FILE...

Prints one JSON object: files, udp_sent, tcp_sent, tcp_refused.
"""
import argparse
import json
import socket
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--to", required=True)
    ap.add_argument("--bind", default="")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    host, port = a.to.rsplit(":", 1)
    dst = (host, int(port))
    report = {"files": len(a.files), "udp_sent": 0, "tcp_sent": 0, "tcp_refused": 0}
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((a.bind, 0))
    udp.settimeout(0.05)
    for name in a.files:
        with open(name, "rb") as f:
            data = f.read()
        try:
            udp.sendto(data[:65000], dst)
            report["udp_sent"] += 1
            udp.recv(65535)
        except OSError:
            pass
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.settimeout(0.2)
        try:
            tcp.bind((a.bind, 0))
            tcp.connect(dst)
            tcp.sendall(data)
            report["tcp_sent"] += 1
            tcp.recv(65535)
        except ConnectionRefusedError:
            report["tcp_refused"] += 1
        except OSError:
            pass
        finally:
            tcp.close()
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
