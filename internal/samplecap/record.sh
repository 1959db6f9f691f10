#!/bin/sh
# Usage (root, needs ffmpeg with libopus, tcpdump, iproute2): ./record.sh [OUT.pcap]
# Records the embedded sample capture: two ffmpeg processes in two network
# namespaces joined by a veth pair exchange RTP audio for 30 s, one stream each
# way on the same port pair (one bidirectional flow), plus their RTCP.
set -eu
OUT=${1:-ffmpeg-rtp.pcap}
cleanup() { ip netns del g2tsA 2>/dev/null || true; ip netns del g2tsB 2>/dev/null || true; }
trap cleanup EXIT
cleanup
ip netns add g2tsA
ip netns add g2tsB
ip link add g2tA netns g2tsA type veth peer name g2tB netns g2tsB
ip -n g2tsA addr add 198.18.0.1/30 dev g2tA
ip -n g2tsB addr add 198.18.0.2/30 dev g2tB
ip -n g2tsA link set g2tA up
ip -n g2tsB link set g2tB up
# Speech-like test signal: a gliding tone switched on and off (talk spurts and
# pauses) over faint noise, so that the variable-bitrate side varies.
VOICE='0.4*sin(2*PI*(180+90*sin(2*PI*0.7*t))*t)*gt(sin(2*PI*0.23*t)+0.4*sin(2*PI*1.3*t),0.1)+0.01*(random(0)-0.5)'
ip netns exec g2tsA tcpdump -q -i g2tA -s 0 -U -w "$OUT" &
TCPDUMP=$!
sleep 1
# A sends Opus (VoIP mode, 20 ms frames, variable bitrate) to B...
ip netns exec g2tsA ffmpeg -nostdin -loglevel error -re -f lavfi -i "aevalsrc=exprs='${VOICE}':s=48000:d=30" \
  -c:a libopus -application voip -b:a 24k -frame_duration 20 -ac 1 \
  -f rtp "rtp://198.18.0.2:5004?localrtpport=5004" &
A=$!
# ...and B answers with G.711 µ-law (PCMU), 160 samples (20 ms) per packet.
ip netns exec g2tsB ffmpeg -nostdin -loglevel error -re -f lavfi -i "aevalsrc=exprs='${VOICE}':s=8000:d=30" \
  -c:a pcm_mulaw -ar 8000 -ac 1 \
  -f rtp "rtp://198.18.0.1:5004?localrtpport=5004&pkt_size=172" &
B=$!
wait $A $B
sleep 1
kill -INT $TCPDUMP
wait $TCPDUMP || true
