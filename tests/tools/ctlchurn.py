#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""ctlchurn - session churn through rtpedged's control socket while the
daemon is killed, and the check of what a restarted daemon restored
(tests/e2e/test_fault.sh). A model file keeps, across rounds, every session
the churn made with its legs and the times of the changes the daemon
acknowledged.

  ctlchurn.py init --socket S --model M
      Starts a model from the daemon's sessions as they are now (sessions
      the churn never touches, such as long-lived calls with media).
  ctlchurn.py round --socket S --model M --pid PID --seed SEED --round K
                    [--kill-min S] [--kill-max S] [--target N]
      Adds, deletes and holds sessions around --target live ones, in
      batches of up to 8 ops 20-60 ms apart (of 100 adds while under half
      the target); three sessions in four take one of MEDIA_PORTS peers and
      get RTP from this process, which must run in the carrier's namespace.
      Sends PID a SIGKILL after a time drawn from [kill-min, kill-max]
      by the PRNG seeded with SEED/K, wherever the churn is. Every reply is
      timed as it arrives (CLOCK_MONOTONIC); the batch without a reply is
      "in flight". Prints {"round", "kill_after_s", "acked", "errors",
      "in_flight", "live"}.
  ctlchurn.py check --socket S --model M [--legs DUMP] --pairs N [--grace S]
                    [--file-at-kill FILE]
      Compares the restarted daemon (session.list, status) and the pinned
      rtpe_legs map (DUMP: `bpftool -j map dump`; none with xdp_mode off)
      with the model; then the
      model takes what was restored. A failure naming a session says
      whether the state file held it at the kill (FILE: a copy). Prints {"failures": [...], "live",
      "in_doubt", "ports_free", "map_legs"}; exit 1 when something failed.

The rules (a change is "recent" when acknowledged less than --grace
seconds, default 1, before the kill, or in flight): a session whose last
change is older is restored exactly (present with the same interfaces,
local and peer endpoints and hold, or absent); one with recent changes is
restored in one of the states those changes went through (absent, or
present with its legs); a session the model does not know is one of the
adds in flight. Whatever was restored is consistent: each interface's
free port pairs plus its legs make up N, no local endpoint twice, and the
map's active entries are exactly the listed legs (endpoint and session
number), their slots distinct, none left half-written (odd sequence).
And the churn's requests were all served: none refused, each add with the
peers asked for and an id never given before (also not one given before a
restart to a session the restart lost).
"""
import argparse
import json
import os
import random
import signal
import socket
import struct
import sys
import threading
import time

CARRIER, SBC = "198.18.1.2", "198.18.2.2"
MEDIA_PORTS = [7000, 7002, 7004, 7006]  # peers that get RTP from the churn
ACTIVE = 8  # RTPE_LEG_F_ACTIVE (include/rtpedge.h)


class Ctl:
    """One control connection: batches out, one reply line back."""

    def __init__(self, path, timeout=30.0):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.buf = b""

    def call(self, reqs):
        """The replies, or None when the daemon went away meanwhile."""
        try:
            self.s.sendall((json.dumps(reqs) + "\n").encode())
            while b"\n" not in self.buf:
                chunk = self.s.recv(1 << 20)
                if not chunk:
                    return None
                self.buf += chunk
        except (BrokenPipeError, ConnectionResetError):
            return None
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def one(self, command, args=None):
        rep = self.call([{"command": command, "args": args or {}}])
        if not rep or not rep[0].get("ok"):
            raise SystemExit("ctlchurn: %s failed: %s" % (command, rep))
        return rep[0]["result"]


def legs_of(sess):
    return [[l["interface"], l["local"], l["peer"]] for l in sess["legs"]]


def load(path):
    with open(path) as f:
        return json.load(f)


def save(path, model):
    with open(path + ".tmp", "w") as f:
        json.dump(model, f)
    os.replace(path + ".tmp", path)


def cmd_init(a):
    ctl = Ctl(a.socket)
    model = {"sessions": {}, "gone": {}, "in_flight": [], "errors": [], "t_kill": 0,
             "max_id": 0, "round": 0}
    for s in ctl.one("session.list")["sessions"]:
        sid = int(s["id"][2:])
        model["sessions"][str(sid)] = {"legs": legs_of(s), "fixed": True,
                                       "hist": [[0, "held" if s.get("hold") else "active"]]}
        model["max_id"] = max(model["max_id"], sid)
    save(a.model, model)
    print(json.dumps({"fixed": len(model["sessions"])}))


def state_now(m):
    return m["hist"][-1][1]


class Churn:
    """The ops of one round, drawn by rng from the model's live sessions."""

    def __init__(self, model, rng, target):
        self.model, self.rng, self.target = model, rng, target
        self.live = [int(k) for k, m in model["sessions"].items()
                     if not m.get("fixed") and state_now(m) != "absent"]

    def peer(self, ip):
        if self.rng.random() < 0.75:
            return "%s:%d" % (ip, self.rng.choice(MEDIA_PORTS))
        return "%s:%d" % (ip, 20000 + 2 * self.rng.randrange(5000))

    def batch(self):
        """Up to 8 ops (a fill-up of 100 adds while under half the target):
        a quarter holds, the rest adds and deletes around the target."""
        ops, used = [], set()
        fill = len(self.live) < self.target // 2
        for _ in range(100 if fill else self.rng.randint(1, 8)):
            n = len(self.live) + sum(op["command"] == "session.add" for op in ops)
            p_add = min(0.9, max(0.1, 0.5 + (self.target - n) / self.target))
            cand = [i for i in self.live if i not in used]
            hold = self.rng.random() < 0.25
            if fill or not cand or (not hold and self.rng.random() < p_add):
                ops.append({"command": "session.add", "args": {
                    "iface_a": "carrier", "peer_a": self.peer(CARRIER),
                    "iface_b": "sbc", "peer_b": self.peer(SBC)}})
                continue
            sid = self.rng.choice(cand)
            used.add(sid)
            if not hold:
                ops.append({"command": "session.del", "args": {"id": "s-%d" % sid}})
            else:
                held = state_now(self.model["sessions"][str(sid)]) == "held"
                ops.append({"command": "session.hold",
                            "args": {"id": "s-%d" % sid, "hold": not held}})
        return ops

    def acked(self, op, rep, t):
        """Applies an acknowledged op to the model; refusals are kept."""
        ss, args = self.model["sessions"], op["args"]
        if not rep.get("ok"):
            self.model["errors"].append("%s %s refused: %s" % (
                op["command"], json.dumps(args), rep.get("error")))
            return
        if op["command"] == "session.add":
            res = rep["result"]
            sid = int(res["id"][2:])
            legs = legs_of(res)
            if str(sid) in ss or sid <= self.model["max_id"]:
                self.model["errors"].append(
                    "session.add gave %s, an id already given (up to s-%d) before the last "
                    "restart" % (res["id"], self.model["max_id"]))
            if [legs[0][2], legs[1][2]] != [args["peer_a"], args["peer_b"]]:
                self.model["errors"].append("session.add %s: peers %s" % (json.dumps(args), legs))
            self.model["max_id"] = max(self.model["max_id"], sid)
            self.model["gone"].pop(str(sid), None)
            ss[str(sid)] = {"legs": legs, "hist": [[t, "active"]]}
            self.live.append(sid)
            return
        sid = int(args["id"][2:])
        if op["command"] == "session.del":
            ss[str(sid)]["hist"].append([t, "absent"])
            self.live.remove(sid)
        else:
            ss[str(sid)]["hist"].append([t, "held" if args["hold"] else "active"])


def rtp_packet(seq):
    return struct.pack("!BBHII", 0x80, 0, seq & 0xffff, seq * 160, 0xc4c40000) + bytes(160)


class Media:
    """RTP from the media peers to leg A of every live session that has one
    (about five packets a second each)."""

    def __init__(self):
        self.socks = {}
        for p in MEDIA_PORTS:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((CARRIER, p))
            s.setblocking(False)
            self.socks["%s:%d" % (CARRIER, p)] = s
        self.next, self.seq = 0.0, 0

    def tick(self, model, live):
        now = time.monotonic()
        if now < self.next:
            return
        self.next, self.seq = now + 0.2, self.seq + 1
        pkt = rtp_packet(self.seq)
        for sid in live:
            legs = model["sessions"][str(sid)]["legs"]
            s = self.socks.get(legs[0][2])
            if s:
                ip, port = legs[0][1].rsplit(":", 1)
                try:
                    s.sendto(pkt, (ip, int(port)))
                except OSError:
                    pass  # a full buffer or an ICMP error: media is best effort here


def cmd_round(a):
    model = load(a.model)
    rng = random.Random("%d/%d" % (a.seed, a.round))
    kill_after = rng.uniform(a.kill_min, a.kill_max)
    churn, media, ctl = Churn(model, rng, a.target), Media(), Ctl(a.socket)
    model["in_flight"], t_kill = [], []

    def killer():
        t_kill.append(time.monotonic())
        os.kill(a.pid, signal.SIGKILL)

    t0 = time.monotonic()
    timer = threading.Timer(kill_after, killer)
    timer.start()
    acked = 0
    while True:
        ops = churn.batch()
        reps = ctl.call(ops)
        t = time.monotonic()
        if reps is None:
            model["in_flight"] = ops
            break
        for op, rep in zip(ops, reps):
            churn.acked(op, rep, t)
        acked += len(ops)
        media.tick(model, churn.live)
        if time.monotonic() - t0 > kill_after + 30:
            raise SystemExit("ctlchurn: the daemon still answers 30 s after its SIGKILL")
        time.sleep(rng.uniform(0.02, 0.06))
    timer.join()
    model["t_kill"], model["round"] = t_kill[0], a.round
    for op in model["in_flight"]:  # done or not: recent changes either way
        m = model["sessions"].get(op["args"].get("id", "s-")[2:])
        if m and op["command"] == "session.del":
            m["hist"].append([t_kill[0], "absent"])
        elif m:
            m["hist"].append([t_kill[0], "held" if op["args"]["hold"] else "active"])
    save(a.model, model)
    print(json.dumps({"round": a.round, "kill_after_s": round(kill_after, 3), "acked": acked,
                      "errors": len(model["errors"]), "in_flight": len(ops),
                      "live": len(churn.live)}))


def allowed_states(m, t_old):
    """The states a session may be restored in: its state as of t_old and
    every state a later (or in-flight) change gave it."""
    before = "absent"
    later = []
    for t, st in m["hist"]:
        if t < t_old:
            before = st
        else:
            later.append(st)
    return {before, *later}, bool(later)


def restored_state(s):
    return "held" if s.get("hold") else "active"


def be32_ip(v):
    return socket.inet_ntoa(struct.pack("<I", v))


def be16(v):
    return ((v & 0xff) << 8) | (v >> 8)


def check_sessions(model, actual, fails):
    """Per session, against the model; returns how many were in doubt."""
    t_old = model["t_kill"] - model["grace"]
    doubt = 0
    for key, m in model["sessions"].items():
        ok, recent = allowed_states(m, t_old)
        doubt += recent
        s = actual.pop(int(key), None)
        got = restored_state(s) if s else "absent"
        if got not in ok:
            fails.append("s-%s restored %s, expected %s (changes: %s)" % (
                key, got, " or ".join(sorted(ok)), describe(m, model["t_kill"])))
        if s and legs_of(s) != m["legs"]:
            fails.append("s-%s restored with legs %s, created with %s" % (key, legs_of(s), m["legs"]))
    return doubt


def describe(m, t_kill):
    """The last changes of a session, for a failure message."""
    def one(t, st):
        if not t:
            return st
        return "%s %s" % (st, "in flight" if t == t_kill else "%.3f s before the kill" % (t_kill - t))
    return ", ".join(one(t, st) for t, st in m["hist"][-4:])


def adopt_unknown(model, actual, fails):
    """Sessions the model does not know: each one must be an add in flight.
    All are taken into the model, so that a failure is told once."""
    adds = [op["args"] for op in model["in_flight"] if op["command"] == "session.add"]
    for sid, s in sorted(actual.items()):
        legs = legs_of(s)
        match = next((x for x in adds if [x["peer_a"], x["peer_b"]] == [legs[0][2], legs[1][2]]
                      and [legs[0][0], legs[1][0]] == [x["iface_a"], x["iface_b"]]), None)
        if str(sid) in model["gone"]:
            fails.append("s-%d came back (%s), legs %s" % (sid, model["gone"].pop(str(sid)), legs))
        elif match is None or sid <= model["max_id"]:
            fails.append("s-%d restored, but no add of it was acknowledged or in flight: %s"
                         % (sid, legs))
        else:
            adds.remove(match)
        model["sessions"][str(sid)] = {"legs": legs, "hist": [[0, restored_state(s)]]}
        model["max_id"] = max(model["max_id"], sid)


def forget_absent(model, live):
    """The model takes what was restored (what the daemon has now, in its
    map and file, is durable); sessions that are gone are remembered in
    model["gone"] with how they went, in case they come back."""
    for key, m in list(model["sessions"].items()):
        s = live.get(int(key))
        if s:
            m["hist"] = [[0, restored_state(s)]]
            continue
        t, st = m["hist"][-1]
        how = "deleted" if st == "absent" else "added or changed, then lost in the restart"
        model["gone"][key] = "%s %s round %d's kill" % (
            how, "%.3f s before" % (model["t_kill"] - t) if t else "before", model["round"])
        del model["sessions"][key]


def check_ports(sessions, status, pairs, fails):
    legs_on = {}
    seen = set()
    for s in sessions:
        for l in s["legs"]:
            legs_on[l["interface"]] = legs_on.get(l["interface"], 0) + 1
            if l["local"] in seen:
                fails.append("local endpoint %s held by two legs" % l["local"])
            seen.add(l["local"])
    for ifc in status["interfaces"]:
        used = legs_on.get(ifc["name"], 0)
        if ifc["ports_free"] + used != pairs:
            fails.append("%s: %d port pairs free + %d legs = %d, the range has %d" % (
                ifc["name"], ifc["ports_free"], used, ifc["ports_free"] + used, pairs))
    if status["sessions"] != len(sessions):
        fails.append("status counts %d sessions, the list %d" % (status["sessions"], len(sessions)))


def check_map(sessions, dump, fails):
    want = {(l["local"], int(s["id"][2:])) for s in sessions for l in s["legs"]}
    have, slots = set(), {}
    for e in dump:
        v = e["formatted"]["value"]
        if not v["flags"] & ACTIVE:
            continue
        ep = "%s:%d" % (be32_ip(v["local"]), be16(v["local_port"]))
        have.add((ep, v["session_id"]))
        if v["seq"] & 1:
            fails.append("map entry of %s (s-%d) half-written (seq %d)" % (ep, v["session_id"], v["seq"]))
        if v["slot"] in slots:
            fails.append("slot %d held by %s and %s" % (v["slot"], slots[v["slot"]], ep))
        slots[v["slot"]] = ep
    for ep, sid in sorted(have - want)[:5]:
        fails.append("map entry %s (s-%d) belongs to no listed leg" % (ep, sid))
    for ep, sid in sorted(want - have)[:5]:
        fails.append("leg %s of s-%d has no map entry" % (ep, sid))
    return len(have)


def in_file(fails, path):
    """Each failure that names a session, with what the state file held of
    that session at the kill (FILE.tmp of a write cut short aside)."""
    try:
        recs = {str(r.get("id")): r for r in load(path).get("sessions", [])}
    except (OSError, ValueError, AttributeError):
        return fails
    out = []
    for f in fails:
        w = f.split()[0]
        if w.startswith("s-") and w[2:].isdigit():
            r = recs.get(w[2:])
            f += "; the state file at the kill %s" % (
                "had it (hold %s)" % r.get("hold") if r else "did not have it")
        out.append(f)
    return out


def cmd_check(a):
    model = load(a.model)
    model["grace"] = a.grace
    ctl = Ctl(a.socket)
    sessions = ctl.one("session.list")["sessions"]
    status = ctl.one("status")
    dump = None
    if a.legs:
        with open(a.legs) as f:
            dump = json.load(f)
    fails = []
    actual = {int(s["id"][2:]): s for s in sessions}
    doubt = check_sessions(model, actual, fails)
    adopt_unknown(model, actual, fails)
    check_ports(sessions, status, a.pairs, fails)
    n_map = check_map(sessions, dump, fails) if dump is not None else None
    if a.file_at_kill:
        fails = in_file(fails, a.file_at_kill)
    fails += model["errors"][:3]
    if len(model["errors"]) > 3:
        fails.append("%d more like that" % (len(model["errors"]) - 3))
    forget_absent(model, {int(s["id"][2:]): s for s in sessions})
    model["errors"], model["in_flight"] = [], []
    save(a.model, model)
    print(json.dumps({"failures": fails, "live": len(sessions), "in_doubt": doubt,
                      "ports_free": status["ports_free"], "map_legs": n_map}))
    return 1 if fails else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("init", "round", "check"):
        q = sub.add_parser(name)
        q.add_argument("--socket", required=True)
        q.add_argument("--model", required=True)
    q = sub.choices["round"]
    q.add_argument("--pid", type=int, required=True)
    q.add_argument("--seed", type=int, required=True)
    q.add_argument("--round", type=int, required=True)
    q.add_argument("--kill-min", type=float, default=0.2)
    q.add_argument("--kill-max", type=float, default=3.5)
    q.add_argument("--target", type=int, default=300)
    q = sub.choices["check"]
    q.add_argument("--legs", help="without: no map to check (xdp_mode off)")
    q.add_argument("--pairs", type=int, required=True)
    q.add_argument("--grace", type=float, default=1.0)
    q.add_argument("--file-at-kill", help="a copy of the state file as the kill left it")
    a = p.parse_args()
    return {"init": cmd_init, "round": cmd_round, "check": cmd_check}[a.cmd](a) or 0


if __name__ == "__main__":
    sys.exit(main())
