#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_metrics.sh - the Prometheus endpoint: every metric of INTERFACE.md
# that exists in this version is served with HELP and TYPE, the figures
# agree with `rtpedgectl stats` and with what was actually relayed (XDP
# figures come from the maps: the daemon never saw those packets), RTP
# quality is aggregated, not one series per session, and anything but
# GET /metrics gets a clean HTTP error. Frames the punt path loses while
# the daemon is stopped (SIGSTOP) are counted.
. "$(dirname "$0")/lib.sh"

M=127.0.0.1:19464
e2e_require "$PROBE" "$B/rtpedged" "$B/rtpedgectl"
bed_up
E2E_METRICS=$M start_daemon auto || { fail "daemon start" "see log"; exit 1; }

scrape() {
	ip netns exec "$RTPE_NS_RELAY" curl -sf "http://$M/metrics"
}
# metric NAME{LABELS}: the value of one sample line ("" when absent).
metric() {
	scrape | awk -v k="$1" '$1 == k { print $2; exit }'
}

ctl --json session add carrier 198.18.1.2:5004 sbc 198.18.2.2:6004 >"$T/add.json"
LA=$(jq -r '.legs[0].local' "$T/add.json")
LB=$(jq -r '.legs[1].local' "$T/add.json")
media_both_ways "$LA" "$LB" 1000 0
sleep 1.2 # one sweep: aggregates

scrape >"$T/m.txt"
case_begin "served as Prometheus text with HELP and TYPE for each metric"
check_match "content type" "$(ip netns exec "$RTPE_NS_RELAY" curl -s -D - -o /dev/null "http://$M/metrics")" \
	"Content-Type: text/plain; version=0.0.4"
for m in rtpedge_sessions_active rtpedge_calls_active rtpedge_ports_free rtpedge_packets_total \
	rtpedge_bytes_total rtpedge_xdp_verdicts_total rtpedge_rtp_jitter_ms rtpedge_legs \
	rtpedge_sessions_timed_out_total rtpedge_xdp_attached rtpedge_punt_lost_total \
	rtpedge_sip_requests_total rtpedge_sip_responses_total rtpedge_calls_total; do
	check_match "$m HELP" "$(cat "$T/m.txt")" "^# HELP $m "
	check_match "$m TYPE" "$(cat "$T/m.txt")" "^# TYPE $m (gauge|counter|histogram)"
done
case_end

ctl --json stats >"$T/stats.json"
case_begin "figures agree with stats and with the traffic"
check_eq "sessions_active" "$(metric rtpedge_sessions_active)" 1
check_eq "ports_free" "$(metric rtpedge_ports_free)" "$(jq -r .ports_free "$T/stats.json")"
RED=$(jq -r '[.xdp_verdicts[] | select(.verdict=="redirect") | .packets] | add' "$T/stats.json")
check_eq "redirect verdicts = stats" "$(metric 'rtpedge_xdp_verdicts_total{verdict="redirect",reason="forwarded"}')" "$RED"
# a leg's packets go through the daemon until it confirms the leg: a few,
# more on a loaded host (21 seen); XDP must still carry the bulk
check_ge "redirect verdicts >= 2000 - learning (at most 10%)" "$RED" 1800
check_eq "packets_total{xdp} = stats" "$(metric 'rtpedge_packets_total{path="xdp"}')" "$(jq -r .packets.xdp "$T/stats.json")"
check_eq "xdp + userspace = all relayed" $(($(metric 'rtpedge_packets_total{path="xdp"}') + $(metric 'rtpedge_packets_total{path="userspace"}'))) 2000
check_eq "legs{path=xdp}" "$(metric 'rtpedge_legs{path="xdp"}')" 2
check_eq "r0 attached native" "$(metric 'rtpedge_xdp_attached{interface="carrier",device="r0",mode="native"}')" 1
check_eq "jitter histogram count = legs with RTP" "$(metric rtpedge_rtp_jitter_ms_count)" 2
check_eq "lost" "$(metric rtpedge_rtp_lost_packets)" 0
check_eq "no per-session series" "$(grep -c 's-1' "$T/m.txt")" 0
case_end

case_begin "other paths and methods get HTTP errors, the daemon keeps serving"
check_eq "404" "$(ip netns exec "$RTPE_NS_RELAY" curl -s -o /dev/null -w '%{http_code}' "http://$M/")" 404
check_eq "405" "$(ip netns exec "$RTPE_NS_RELAY" curl -s -o /dev/null -w '%{http_code}' -X POST "http://$M/metrics")" 405
check_eq "still 200" "$(ip netns exec "$RTPE_NS_RELAY" curl -s -o /dev/null -w '%{http_code}' "http://$M/metrics")" 200
case_end

# Punt losses: a new session's legs are learning, so XDP punts their
# packets to the daemon; with the daemon stopped the perf buffer (about
# 1,000 frames per CPU) fills and the rest are lost. The kernel reports
# the loss in that CPU's buffer with the next frame it takes there: the
# senders are pinned to one CPU (veth runs XDP on the sender's CPU), and
# a second learning session punts again once the daemon has caught up.
# pinned_probe NAME PEER TO COUNT: COUNT packets as fast as possible from
# the carrier, on CPU 0; report in $T/NAME.json.
pinned_probe() {
	ip netns exec "$RTPE_NS_CARRIER" taskset -c 0 "$PROBE" --json --bind "$2" --to "$3" \
		--count "$4" --rate 0 --expect 0 --timeout 0 >"$T/$1.json" 2>"$T/$1.err"
}
session_add punt PID PLA PLB carrier 198.18.1.2:5010 sbc 198.18.2.2:6010
session_add punt2 PID2 PLA2 PLB2 carrier 198.18.1.2:5012 sbc 198.18.2.2:6012
LOST0=$(metric rtpedge_punt_lost_total)
kill -STOP "$DAEMON_PID"
pinned_probe flood 198.18.1.2:5010 "$PLA" 5000
kill -CONT "$DAEMON_PID"
sleep 0.5
pinned_probe again 198.18.1.2:5012 "$PLA2" 20
sleep 0.5
ctl --json stats >"$T/stats2.json"
case_begin "punted frames lost while the daemon was stopped: rtpedge_punt_lost_total and stats punt_lost"
check_eq "flood sent" "$(pj flood sent)" 5000
check_eq "lost before" "$LOST0" 0
LOST=$(metric rtpedge_punt_lost_total)
check_ge "rtpedge_punt_lost_total" "$LOST" 1000
check_eq "stats punt_lost = metric" "$(jq -r .punt_lost "$T/stats2.json")" "$LOST"
check_match "logged" "$(cat "$T/daemon.log")" "punt: [0-9]+ frames lost"
case_end
