#!/bin/bash
# Record real programs' traffic between two namespaces joined by one veth pair (as root).
# ../shared/fidelity/record.sh, with held-out cases beside its six: captures of other programs
# and settings that no constant was chosen on, to judge how the models generalise (README,
# "Held-out captures"). Nothing runs it in CI: it takes some six minutes of real time.
# usage: record.sh NET OUTDIR NAME...   e.g. record.sh 10.89.0 /tmp/held ditg_voip ditg_csa ditg_telnet \
#   iperf3_udp iperf3_tcp10 h264_video opus_voip20 web_browsing2 ssh_session2
# Needs ffmpeg, iperf3, socat, curl, d-itg, openssh-server, tcpdump, ethtool. Traffic stays on the veth pair.
set -u
NET=$1; OUT=$2; shift 2
A=rcA$$; B=rcB$$; W=$(mktemp -d)
ip netns add $A; ip netns add $B
ip link add va$$ type veth peer name vb$$
ip link set va$$ netns $A; ip link set vb$$ netns $B
ip -n $A addr add $NET.1/24 dev va$$; ip -n $B addr add $NET.2/24 dev vb$$
ip -n $A link set va$$ up; ip -n $B link set vb$$ up; ip -n $A link set lo up; ip -n $B link set lo up
ip netns exec $A ethtool -K va$$ tso off gso off gro off tx off rx off >/dev/null 2>&1
ip netns exec $B ethtool -K vb$$ tso off gso off gro off tx off rx off >/dev/null 2>&1
for n in $A $B; do ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1; done
cap() { ip netns exec $A tcpdump -i va$$ -w "$OUT/$1.pcap" --immediate-mode -B 16384 2>"$W/$1.tcpdump" & TP=$!; sleep 1; }
endcap() { sleep 2; kill -INT $TP; wait $TP; grep -h "dropped by kernel" "$W/$1.tcpdump"; }
A1=$NET.1; B1=$NET.2
for name in "$@"; do
  echo "== $name"
  case $name in
  vp8_video)
    ip netns exec $B socat -u UDP-RECV:5004 /dev/null & S1=$!; ip netns exec $B socat -u UDP-RECV:5005 /dev/null & S2=$!
    cap $name
    ip netns exec $A ffmpeg -hide_banner -loglevel error -nostdin -re -f lavfi -i "mandelbrot=size=640x360:rate=25" -t 30 -c:v libvpx -b:v 600k -deadline realtime -cpu-used 8 -g 75 -f rtp -pkt_size 1100 "rtp://$B1:5004?localrtpport=5004&localrtcpport=5005"
    endcap $name; kill $S1 $S2; wait $S1 $S2 2>/dev/null ;;
  opus_music_call)
    SA="sine=frequency=440:sample_rate=48000[s];anoisesrc=color=brown:amplitude=0.2:sample_rate=48000:seed=5[n];[s][n]amix=inputs=2,volume='0.2+0.8*abs(sin(2*PI*0.4*t))':eval=frame,aformat=channel_layouts=stereo[out0]"
    SB="sine=frequency=660:sample_rate=48000[s];anoisesrc=color=white:amplitude=0.1:sample_rate=48000:seed=9[n];[s][n]amix=inputs=2,volume='if(gt(sin(2*PI*t/7),0),0.9,0.05)':eval=frame,aformat=channel_layouts=mono[out0]"
    cap $name
    ip netns exec $A ffmpeg -hide_banner -loglevel error -nostdin -re -f lavfi -i "$SA" -t 40 -c:a libopus -application audio -frame_duration 10 -b:a 64k -f rtp "rtp://$B1:6000?localrtpport=6000&localrtcpport=6001" & F1=$!
    ip netns exec $B ffmpeg -hide_banner -loglevel error -nostdin -re -f lavfi -i "$SB" -t 40 -c:a libopus -application voip -frame_duration 40 -b:a 16k -f rtp "rtp://$A1:6000?localrtpport=6000&localrtcpport=6001" & F2=$!
    wait $F1 $F2; endcap $name ;;
  iperf3_tcp)
    ip netns exec $B iperf3 -s -1 -B $B1 >/dev/null 2>&1 & SV=$!; sleep 1
    cap $name
    ip netns exec $A iperf3 -c $B1 -b 3M -t 30 -l 16K >/dev/null 2>&1
    endcap $name; wait $SV 2>/dev/null ;;
  web_browsing|web_browsing2)
    mkdir -p $W/www; for s in 512 2048 6000 15000 40000 120000 400000 1500000; do head -c $s /dev/urandom > $W/www/f$s.bin; done
    printf '<html>%s</html>' "$(seq 1 300)" > $W/www/index.html
    ip netns exec $B /usr/bin/python3 -m http.server 8080 --bind $B1 --directory $W/www >/dev/null 2>&1 & SV=$!; sleep 1.5
    cap $name
    /usr/bin/python3 - "$A" "$B1" $([ $name = web_browsing2 ] && echo 43 || echo 42) <<'PY'
import random, subprocess, sys, time
ns, host = sys.argv[1], sys.argv[2]; r = random.Random(int(sys.argv[3]))
files = ["index.html", "f512.bin", "f2048.bin", "f6000.bin", "f15000.bin", "f40000.bin", "f120000.bin", "f400000.bin", "f1500000.bin"]
w = [10, 8, 8, 6, 5, 4, 3, 2, 1]
t0 = time.time(); procs = []
while time.time() - t0 < 40:
    for _ in range(r.choice([1, 1, 2, 3, 4])):
        f = r.choices(files, w)[0]
        rate = r.choice(["", "", "--limit-rate 200k", "--limit-rate 1M"])
        procs.append(subprocess.Popen(f"ip netns exec {ns} curl -s -o /dev/null {rate} http://{host}:8080/{f}", shell=True))
    time.sleep(r.expovariate(1 / 1.2))
for p in procs: p.wait()
PY
    endcap $name; kill $SV; wait $SV 2>/dev/null ;;
  ditg_voip|ditg_csa)
    ip netns exec $B ITGRecv >/dev/null 2>&1 & RV=$!; sleep 1.5
    cap $name
    case $name in ditg_voip) M="VoIP -x G.729.2 -h RTP -VAD";; ditg_csa) M=CSa;; esac
    timeout 45 ip netns exec $A ITGSend -a $B1 -rp 9100 -t 30000 $M >/dev/null 2>&1 # Telnet ran on past -t
    endcap $name; kill -INT $RV; sleep 1; kill $RV 2>/dev/null; wait $RV 2>/dev/null ;;
  iperf3_udp|iperf3_tcp10)
    ip netns exec $B iperf3 -s -1 -B $B1 >/dev/null 2>&1 & SV=$!; sleep 1
    cap $name
    case $name in iperf3_udp) ip netns exec $A iperf3 -c $B1 -u -b 2M -l 1200 -t 30 >/dev/null 2>&1;; iperf3_tcp10) ip netns exec $A iperf3 -c $B1 -b 10M -t 20 -l 64K >/dev/null 2>&1;; esac
    endcap $name; wait $SV 2>/dev/null ;;
  h264_video)
    ip netns exec $B socat -u UDP-RECV:5004 /dev/null & S1=$!; ip netns exec $B socat -u UDP-RECV:5005 /dev/null & S2=$!
    cap $name
    ip netns exec $A ffmpeg -hide_banner -loglevel error -nostdin -re -f lavfi -i "testsrc2=size=640x360:rate=30" -t 30 -c:v libx264 -preset ultrafast -tune zerolatency -b:v 900k -g 60 -f rtp -pkt_size 1200 "rtp://$B1:5004?localrtpport=5004&localrtcpport=5005"
    endcap $name; kill $S1 $S2; wait $S1 $S2 2>/dev/null ;;
  opus_voip20)
    SB="sine=frequency=300:sample_rate=48000[s];anoisesrc=color=pink:amplitude=0.3:sample_rate=48000:seed=3[n];[s][n]amix=inputs=2,volume='if(gt(sin(2*PI*t/5.3)+0.3*sin(2*PI*t/1.7),0.2),0.9,0.02)':eval=frame,aformat=channel_layouts=mono[out0]"
    cap $name
    ip netns exec $A ffmpeg -hide_banner -loglevel error -nostdin -re -f lavfi -i "$SB" -t 40 -c:a libopus -application voip -frame_duration 20 -b:a 24k -f rtp "rtp://$B1:6000?localrtpport=6000&localrtcpport=6001" & F1=$!
    ip netns exec $B ffmpeg -hide_banner -loglevel error -nostdin -re -f lavfi -i "$SB" -t 40 -c:a libopus -application voip -frame_duration 60 -b:a 12k -f rtp "rtp://$A1:6000?localrtpport=6000&localrtcpport=6001" & F2=$!
    wait $F1 $F2; endcap $name ;;
  ditg_quake3|ditg_telnet)
    ip netns exec $B ITGRecv >/dev/null 2>&1 & RV=$!; sleep 1.5
    cap $name
    case $name in ditg_quake3) M=Quake3;; ditg_telnet) M=Telnet;; esac
    timeout 45 ip netns exec $A ITGSend -a $B1 -rp 9100 -t 30000 $M >/dev/null 2>&1 # Telnet ran on past -t
    endcap $name; kill -INT $RV; sleep 1; kill $RV 2>/dev/null; wait $RV 2>/dev/null ;;
  ssh_session|ssh_session2)
    mkdir -p /run/sshd $W/ssh; ssh-keygen -q -t ed25519 -N '' -f $W/ssh/host >/dev/null; ssh-keygen -q -t ed25519 -N '' -f $W/ssh/id >/dev/null
    mkdir -p /root/.ssh; touch /root/.ssh/authorized_keys; cp /root/.ssh/authorized_keys $W/ak.bak; cat $W/ssh/id.pub >> /root/.ssh/authorized_keys
    ip netns exec $B /usr/sbin/sshd -D -h $W/ssh/host -o ListenAddress=$B1 -o PermitRootLogin=prohibit-password -o UsePAM=no -o PidFile=$W/sshd.pid & SV=$!; sleep 1.5
    SSH="ssh -i $W/ssh/id -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
    cap $name
      /usr/bin/python3 - "$A" "$B1" "$SSH" $([ $name = ssh_session2 ] && echo 8 || echo 7) <<'PY'
import random, subprocess, sys, time
ns, host, ssh = sys.argv[1:4]; r = random.Random(int(sys.argv[4]))
p = subprocess.Popen(f"ip netns exec {ns} {ssh} -tt root@{host}", shell=True, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(2); t0 = time.time()
cmds = ["ls -la /etc", "uptime", "cat /etc/os-release", "ps aux | head -20", "df -h", "echo hello world", "seq 1 200", "free -m", "ls /usr/bin | head -80", "date"]
while time.time() - t0 < 35:
    c = r.choice(cmds)
    for ch in c:
        p.stdin.write(ch.encode()); p.stdin.flush(); time.sleep(max(0.03, r.gauss(0.14, 0.06)))
    p.stdin.write(b"\n"); p.stdin.flush(); time.sleep(r.expovariate(1 / 1.5))
p.stdin.write(b"exit\n"); p.stdin.flush(); p.wait(timeout=10)
PY
    endcap $name; kill $SV; wait $SV 2>/dev/null; cp $W/ak.bak /root/.ssh/authorized_keys ;;
  esac
done
ip netns del $A; ip netns del $B; rm -rf $W
