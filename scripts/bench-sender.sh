#!/usr/bin/env bash
# Compares the timing and top speed of tcpreplay, `gmm2trex replay` and
# `gmm2trex send --protocol raw` on one veth pair between two network
# namespaces created (and removed) here. Every sender's frames are captured
# on the receiving end with tcpdump (nanosecond stamps); the gap error is
# |captured gap - intended gap| per packet. gmm2trex's pacer runs its
# thread in the SCHED_FIFO class when root, so tcpreplay is measured both
# plain and under chrt. Needs root, ip, tcpdump, tcpreplay, go, awk, chrt.
# Run from anywhere: scripts/bench-sender.sh
#   N=2000     packets in the timed runs (the reference mix: 0.2-3 ms gaps)
#   LOOPS=50   rounds of the N packets in the top-speed runs
#   SPIN=      gmm2trex's --spin (default: its own default)
set -euo pipefail

N=${N:-2000}
LOOPS=${LOOPS:-50}
SPIN_TIME=${SPIN:-}
SPIN=()
[ -n "$SPIN_TIME" ] && SPIN=(--spin "$SPIN_TIME")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PROFILE=$ROOT/native/testdata/bench.yaml

die() { echo "bench-sender.sh: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "run as root (network namespaces and raw sockets)"
for c in ip tcpdump tcpreplay go awk chrt; do
	command -v "$c" >/dev/null || die "needs $c (apt-get install -y iproute2 tcpdump tcpreplay gawk util-linux)"
done

W=${KEEP:-$(mktemp -d)}
A=g2tb$$a B=g2tb$$b IA=vb$$a IB=vb$$b
CAPPID=
cleanup() {
	[ -n "$CAPPID" ] && kill "$CAPPID" 2>/dev/null || true
	ip netns del "$A" 2>/dev/null || true
	ip netns del "$B" 2>/dev/null || true
	[ -n "${KEEP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT

echo "building gmm2trex..." >&2
(cd "$ROOT" && go build -o "$W/gmm2trex" ./cmd/gmm2trex)
G=$W/gmm2trex

# Two namespaces, one veth pair, static neighbours (no ARP in the captures).
ip netns add "$A"
ip netns add "$B"
ip link add "$IA" netns "$A" type veth peer name "$IB" netns "$B"
setup() { # ns iface mac ip peer_ip peer_mac
	ip -n "$1" link set lo up
	ip -n "$1" link set "$2" address "$3"
	ip -n "$1" addr add "$4/24" dev "$2"
	ip -n "$1" link set "$2" up
	ip -n "$1" neigh replace "$5" lladdr "$6" dev "$2" nud permanent
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 || true
}
setup "$A" "$IA" 02:00:00:00:00:01 198.18.0.1 198.18.0.2 02:00:00:00:00:02
setup "$B" "$IB" 02:00:00:00:00:02 198.18.0.2 198.18.0.1 02:00:00:00:00:01

# The same exported pcap for tcpreplay and replay; the model's own gaps for send.
"$G" export "$PROFILE" --format pcap --direction from -c "$N" -o "$W/in.pcap" >/dev/null 2>&1
"$G" sample "$PROFILE" -c "$N" -o "$W/sample.csv" >/dev/null 2>&1

cap_start() { # file
	ip netns exec "$B" tcpdump -i "$IB" -w "$1" -nn -s 96 -B 65536 --time-stamp-precision=nano -U --immediate-mode \
		"udp and src host 198.18.0.1" 2>"$1.log" &
	CAPPID=$!
	sleep 1
}
cap_stop() {
	sleep 0.5
	kill -INT "$CAPPID"
	wait "$CAPPID" || true
	CAPPID=
}
rx_packets() { ip netns exec "$B" cat "/sys/class/net/$IB/statistics/rx_packets"; }

# times FILE: capture stamps in ns from the first (integer arithmetic on the
# fraction, so doubles do not round nanoseconds away).
times() {
	tcpdump -r "$1" -tt -nn --time-stamp-precision=nano 2>/dev/null |
		awk '{ split($1, t, "."); if (NR == 1) s0 = t[1]; printf "%.0f\n", (t[1] - s0) * 1000000000 + t[2] }'
}
gaps() { awk 'NR > 1 { print $1 - p } { p = $1 }'; }
# stats: median and p99 of the absolute differences of two gap columns (µs).
stats() {
	awk '{ d = $1 - $2; if (d < 0) d = -d; print d / 1000 }' | sort -g |
		awk '{ a[NR] = $1 } END { if (NR == 0) { print "- -"; exit } m = a[int((NR + 1) / 2)]; p = a[int(NR * 0.99 + 0.999)]; printf "%.2f %.2f\n", m, p }'
}
intended_pcap() { times "$W/in.pcap" | gaps; }
intended_send() { awk -F, '$2 == "from" && $4 != "" { printf "%.0f\n", $4 * 1e9 }' "$W/sample.csv"; }
check_count() { # file want name
	local n
	n=$(times "$1" | wc -l)
	[ "$n" = "$2" ] || echo "warning: $3: captured $n of $2 packets; gaps after a loss are misaligned" >&2
}
# rate FILE PACKETS: packets over the span of the capture.
rate() {
	times "$1" | awk -v n="$2" 'NR == 1 { f = $1 } { l = $1 } END { if (l > f) printf "%.0f\n", n / ((l - f) / 1e9); else print "-" }'
}

declare -A MED P99 PPS

echo "timed runs: $N packets each..." >&2
# tcpreplay twice: as it comes, and under the real-time class our pacer
# asks for itself (SCHED_FIFO 50), so that the comparison is fair.
for v in tcpreplay tcpreplay-rt; do
	rt=()
	[ "$v" = tcpreplay-rt ] && rt=(chrt -f 50)
	cap_start "$W/$v.pcap"
	ip netns exec "$A" "${rt[@]}" tcpreplay -q -K -i "$IA" "$W/in.pcap" >/dev/null 2>&1
	cap_stop
	check_count "$W/$v.pcap" "$N" "$v"
	read -r MED[$v] P99[$v] < <(paste <(intended_pcap) <(times "$W/$v.pcap" | gaps) | stats)
done

cap_start "$W/replay.pcap"
ip netns exec "$A" "$G" replay "$W/in.pcap" -I "$IA" --quiet "${SPIN[@]}" >/dev/null
cap_stop
check_count "$W/replay.pcap" "$N" replay
read -r MED[replay] P99[replay] < <(paste <(intended_pcap) <(times "$W/replay.pcap" | gaps) | stats)

send_run() { # capture file, extra local flags...
	local f=$1
	shift
	cap_start "$f"
	ip netns exec "$B" "$G" send -m remote -d 198.18.0.1 -o "$PROFILE" --token bench --quiet --wait 20s --json >"$f.remote.json" &
	local rp=$!
	ip netns exec "$A" "$G" send -m local -d 198.18.0.2 -o "$PROFILE" --token bench --protocol raw -I "$IA" --quiet --wait 20s --json "${SPIN[@]}" "$@" >"$f.local.json"
	wait "$rp"
	cap_stop
}
send_run "$W/send.pcap" -c "$N"
check_count "$W/send.pcap" "$N" send
read -r MED[send] P99[send] < <(paste <(intended_send) <(times "$W/send.pcap" | gaps) | stats)

TOTAL=$((N * LOOPS))
echo "top-speed runs: $TOTAL packets each..." >&2
for v in tcpreplay tcpreplay-rt; do
	rt=()
	[ "$v" = tcpreplay-rt ] && rt=(chrt -f 50)
	cap_start "$W/$v-top.pcap"
	ip netns exec "$A" "${rt[@]}" tcpreplay -q -K --topspeed --loop "$LOOPS" -i "$IA" "$W/in.pcap" >/dev/null 2>&1
	cap_stop
	PPS[$v]=$(rate "$W/$v-top.pcap" "$TOTAL")
done

cap_start "$W/replay-top.pcap"
ip netns exec "$A" "$G" replay "$W/in.pcap" -I "$IA" --topspeed --loop "$LOOPS" --quiet >/dev/null
cap_stop
PPS[replay]=$(rate "$W/replay-top.pcap" "$TOTAL")

# send has no --topspeed: the schedule is compressed 1000 times instead,
# which leaves gaps of about a microsecond, sent in sendmmsg batches.
send_run "$W/send-top.pcap" -c "$TOTAL" -x 1000 --max-pps 1e8
PPS[send]=$(rate "$W/send-top.pcap" "$TOTAL")

echo
echo "gap error = |captured gap - intended gap| on the receiving veth end; max rate with --topspeed"
echo "(send: -x 1000). Machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)."
printf "%-32s %12s %12s %14s\n" sender "median µs" "p99 µs" "max rate pps"
TV=$(tcpreplay -V 2>&1 | awk 'NR==1{print $3}')
printf "%-32s %12s %12s %14s\n" "tcpreplay $TV -K" "${MED[tcpreplay]}" "${P99[tcpreplay]}" "${PPS[tcpreplay]}"
printf "%-32s %12s %12s %14s\n" "tcpreplay $TV -K, chrt -f 50" "${MED[tcpreplay-rt]}" "${P99[tcpreplay-rt]}" "${PPS[tcpreplay-rt]}"
printf "%-32s %12s %12s %14s\n" "gmm2trex replay" "${MED[replay]}" "${P99[replay]}" "${PPS[replay]}"
printf "%-32s %12s %12s %14s\n" "gmm2trex send --protocol raw" "${MED[send]}" "${P99[send]}" "${PPS[send]}"
