package exporters

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gmm2trex/gmm2trex/internal/atomicfile"
	"github.com/gmm2trex/gmm2trex/internal/frame"
	"github.com/gmm2trex/gmm2trex/internal/gauss"
	"github.com/gmm2trex/gmm2trex/profiles"
	"github.com/gmm2trex/gmm2trex/sampler"
)

// The moongen format writes one MoonGen userscript (Lua) to o.Output. It carries
// the model itself (the 1-D mixtures and, with --model hmm, the hidden chains
// with the Cholesky factors of their covariances) and draws every gap and size
// at run time with the sampler's semantics, so it runs for any duration
// without repeating a trace. Each selected object direction gets a task on
// its own TX queue, behind a software rate limiter in "custom" mode fed with
// per-packet delays in byte-times at the link speed. Count is not used.
func init() {
	Register(&Format{
		Name:    "moongen",
		Summary: "MoonGen userscript (Lua) that samples the model at run time",
		Export:  exportMoonGen,
	})
}

// moonBatch is the buffer array size of the generated script: big enough to
// amortise the rate limiter's ring, small enough that a short run stops soon.
const moonBatch = 64

func exportMoonGen(p *profiles.Profile, o Options) ([]string, error) {
	ts, err := selectTargets(p, o)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := writeMoonGen(&buf, p, ts, o); err != nil {
		return nil, err
	}
	if err := atomicfile.Write(o.Output, 0o644, func(w io.Writer) error {
		_, err := w.Write(buf.Bytes())
		return err
	}); err != nil {
		return nil, fmt.Errorf("moongen: %w", err)
	}
	o.notef("wrote %s (%s model; run: MoonGen %s %s)", o.Output, o.Model, o.Output, moonPortArgs(ts))
	return []string{o.Output}, nil
}

// moonPorts lists the port arguments the script takes, in order.
func moonPorts(ts []target) []profiles.Dir {
	var has [2]bool
	for _, t := range ts {
		for _, d := range t.dirs {
			has[d] = true
		}
	}
	var ds []profiles.Dir
	for _, d := range []profiles.Dir{profiles.From, profiles.To} {
		if has[d] {
			ds = append(ds, d)
		}
	}
	return ds
}

func moonPortArgs(ts []target) string {
	var a []string
	for _, d := range moonPorts(ts) {
		a = append(a, strings.ToUpper(d.String())+"_PORT")
	}
	return strings.Join(a, " ")
}

// lua accumulates the script text.
type lua struct {
	b   *bytes.Buffer
	err error
}

func (l *lua) f(format string, a ...any) { fmt.Fprintf(l.b, format, a...) }

// num writes a float so that Lua reads back the same double.
func num(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

func nums(xs []float64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = num(x)
	}
	return "{" + strings.Join(s, ", ") + "}"
}

func bools(xs []bool) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.FormatBool(x)
	}
	return "{" + strings.Join(s, ", ") + "}"
}

// luaQuote quotes s as a Lua 5.1 string literal (LuaJIT has no \x or \u
// escapes in 5.1 mode, so everything unusual becomes a decimal escape).
func luaQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// cum is the sampler's cumulative weight table: normalised, last exactly 1.
func cum(w []float64) []float64 {
	c := make([]float64, len(w))
	s := 0.0
	for i, x := range w {
		s += x
		c[i] = s
	}
	for i := range c {
		c[i] /= s
	}
	c[len(c)-1] = 1
	return c
}

func (l *lua) mix1(name string, p profiles.Param, round bool) {
	w := make([]float64, len(p.Mixture))
	mean := make([]float64, len(p.Mixture))
	std := make([]float64, len(p.Mixture))
	for i, c := range p.Mixture {
		w[i], mean[i], std[i] = c.Weight, c.Mean, c.Std
	}
	l.f("    %s = {cum = %s, mean = %s, std = %s, log = %t, round = %t, lo = %s, hi = %s},\n",
		name, nums(cum(w)), nums(mean), nums(std), p.Transform == profiles.TransformLog, round, num(p.Min), num(p.Max))
}

func (l *lua) chain(i int, c *profiles.Chain, dm *profiles.Direction) {
	var slot []string
	var logs, rounds []bool
	var lo, hi []float64
	for _, f := range c.Features {
		switch f {
		case profiles.FeatureIAT:
			slot = append(slot, "1")
			lo, hi = append(lo, dm.IAT.Min), append(hi, dm.IAT.Max)
		case profiles.FeatureSize:
			slot = append(slot, "2")
			lo, hi = append(lo, dm.Size.Min), append(hi, dm.Size.Max)
		default:
			l.err = fmt.Errorf("%w: hmm.chains[%d]: unknown feature %q", ErrInput, i, f)
			return
		}
		logs = append(logs, c.Transform[f] == profiles.TransformLog)
		rounds = append(rounds, f == profiles.FeatureSize)
	}
	l.f("      {dim = %d, slot = {%s}, log = %s, round = %s,\n", len(c.Features), strings.Join(slot, ", "), bools(logs), bools(rounds))
	l.f("       mean = %s, std = %s, lo = %s, hi = %s,\n", nums(c.Scale.Mean), nums(c.Scale.Std), nums(lo), nums(hi))
	l.f("       start = %s,\n       trans = {", nums(cum(c.Start)))
	for r, row := range c.Transitions {
		if r > 0 {
			l.f(", ")
		}
		l.f("%s", nums(cum(row)))
	}
	l.f("},\n       states = {\n")
	for si, st := range c.States {
		w := make([]float64, len(st.Mixture))
		var means, chols []string
		for ci, comp := range st.Mixture {
			w[ci] = comp.Weight
			means = append(means, nums(comp.Mean))
			ch, ok := gauss.CholeskyRows(comp.Cov)
			if !ok {
				l.err = fmt.Errorf("%w: hmm.chains[%d].states[%d].mixture[%d].cov: not positive definite", ErrInput, i, si, ci)
				return
			}
			// Lower triangle only, row i holding L[i][0..i].
			var rows []string
			for r := range ch {
				rows = append(rows, nums(ch[r][:r+1]))
			}
			chols = append(chols, "{"+strings.Join(rows, ", ")+"}")
		}
		l.f("         {cum = %s, mean = {%s}, chol = {%s}},\n", nums(cum(w)), strings.Join(means, ", "), strings.Join(chols, ", "))
	}
	l.f("       }},\n")
}

func writeMoonGen(b *bytes.Buffer, p *profiles.Profile, ts []target, o Options) error {
	l := &lua{b: b}
	ports := moonPorts(ts)
	hash := p.Hash()
	l.f("-- MoonGen userscript generated by gmm2trex (export --format moongen --model %s)\n", o.Model)
	l.f("-- from a profile of %s (profile hash %s), seed %d.\n", luaComment(p.Source.File), hash[:16], o.Seed)
	l.f("--\n-- Every gap and size is drawn at run time from the model below (mixture pick,\n")
	l.f("-- Box-Muller normals, exp for log-transformed features, the hidden chain's\n")
	l.f("-- transitions, redraw up to %d times outside the observed bounds, then clamp),\n", sampler.MaxRedraw)
	l.f("-- so the script runs for any duration without repeating a trace. Gaps go to\n")
	l.f("-- the software rate limiter (custom mode) as byte-times at the link speed.\n--\n")
	l.f("-- Run:  MoonGen %s %s [-d SECONDS] [-r MULTIPLIER] [-s SEED]\n", luaComment(o.Output), moonPortArgs(ts))
	for _, d := range ports {
		if d == profiles.From {
			l.f("--   FROM_PORT sends the local side's packets (direction from)\n")
		} else {
			l.f("--   TO_PORT sends the remote side's packets (direction to)\n")
		}
	}
	l.f("--   -d 0 (default) sends until stopped; -r 2 halves every gap.\n\n")
	l.f(`local mg      = require "moongen"
local memory  = require "memory"
local device  = require "device"
local limiter = require "software-ratecontrol"
local timer   = require "timer"

local MAX_REDRAW = %d
local BATCH = %d
local MIN_FRAME = %d
local SEED = %d

-- One entry per object direction; each is sent by its own task on its own TX
-- queue. hdr is the header length of a frame; a drawn size becomes a payload
-- of size - sizeOffset bytes (the profile's size unit is %s).
local FLOWS = {
`, sampler.MaxRedraw, moonBatch, frame.MinFrame, o.Seed, luaComment(sizeUnit(p)))
	for ti := range ts {
		t := &ts[ti]
		for _, d := range t.dirs {
			tpl, err := t.template(d, o.MaxFrame)
			if err != nil {
				return err
			}
			src, dst := t.side(d)
			dm := t.obj.Dir(d)
			v4 := src.ip.Is4()
			ipKey := "ip6"
			if v4 {
				ipKey = "ip4"
			}
			off := 0
			switch sizeUnit(p) {
			case "ip":
				off = tpl.HeaderLen() - frame.EthLen
			case "frame":
				off = tpl.HeaderLen()
			}
			l.f("  { -- %s, direction %s\n", luaComment(t.obj.ID), d)
			l.f("    name = %s, port = %q, tcp = %t, ip4 = %t,\n", luaQuote(t.obj.ID+" "+d.String()), d.String(), t.proto == frame.TCP, v4)
			l.f("    fill = {ethSrc = %q, ethDst = %q, %sSrc = %q, %sDst = %q},\n", src.mac.String(), dst.mac.String(), ipKey, src.ip.String(), ipKey, dst.ip.String())
			l.f("    srcPort = %d, dstPort = %d, hdr = %d, maxPayload = %d, sizeOffset = %d,\n", src.port, dst.port, tpl.HeaderLen(), tpl.MaxPayload(), off)
			l.mix1("iat", dm.IAT, false)
			l.mix1("size", dm.Size, true)
			if o.Model == sampler.HMM {
				l.f("    chains = {\n")
				for ci := range dm.HMM.Chains {
					l.chain(ci, &dm.HMM.Chains[ci], dm)
					if l.err != nil {
						return fmt.Errorf("object %q direction %s: %w", t.obj.ID, d, l.err)
					}
				}
				l.f("    },\n")
			}
			l.f("  },\n")
		}
	}
	l.f("}\n\n")
	l.f("function configure(parser)\n")
	l.f("\tparser:description(%s)\n", luaQuote("Sends traffic drawn from a gmm2trex profile ("+o.Model.String()+" model)."))
	for _, d := range ports {
		if d == profiles.From {
			l.f("\tparser:argument(\"fromPort\", \"Port that sends direction from (the local side's packets).\"):convert(tonumber)\n")
		} else {
			l.f("\tparser:argument(\"toPort\", \"Port that sends direction to (the remote side's packets).\"):convert(tonumber)\n")
		}
	}
	l.b.WriteString(moonBody)
	return l.err
}

// sizeUnit is the profile's size unit, payload when unset.
func sizeUnit(p *profiles.Profile) string {
	if p.Settings.Size == "" {
		return "payload"
	}
	return p.Settings.Size
}

// luaComment keeps a value on one comment line.
func luaComment(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// moonBody is the fixed part of the script: options, the master, the
// sampler and the TX task.
const moonBody = `	parser:option("-d --duration", "Seconds to send; 0 sends until stopped."):default(0):convert(tonumber)
	parser:option("-r --rate", "Rate multiplier: every gap is divided by it."):default(1):convert(tonumber)
	parser:option("-s --seed", "Seed of math.random (each task adds its index)."):default(SEED):convert(tonumber)
end

function master(args)
	if not (args.rate and args.rate > 0) then
		error("rate multiplier must be > 0, got " .. tostring(args.rate))
	end
	if not (args.duration and args.duration >= 0) then
		error("duration must be >= 0, got " .. tostring(args.duration))
	end
	-- A port may send both directions; it then needs one TX queue per task.
	local portOf, queues, order = {}, {}, {}
	for i, f in ipairs(FLOWS) do
		local port = f.port == "from" and args.fromPort or args.toPort
		if port == nil then
			error("no port given for direction " .. f.port)
		end
		portOf[i] = port
		if not queues[port] then
			order[#order + 1] = port
		end
		queues[port] = (queues[port] or 0) + 1
	end
	local devs = {}
	for _, port in ipairs(order) do
		devs[port] = device.config{port = port, txQueues = queues[port]}
	end
	device.waitForLinks()
	local used = {}
	for i = 1, #FLOWS do
		local port = portOf[i]
		local q = devs[port]:getTxQueue(used[port] or 0)
		used[port] = (used[port] or 0) + 1
		local rl = limiter:new(q, "custom")
		mg.startTask("txTask", q, rl, i, args.duration, args.rate, args.seed)
	end
	mg.waitForTasks()
end

local random, exp, log, sqrt, cos, sin, floor = math.random, math.exp, math.log, math.sqrt, math.cos, math.sin, math.floor
local min, max, pi = math.min, math.max, math.pi

-- Box-Muller: two normals from two uniforms; the second is kept for the next call.
local spare
local function normal()
	if spare then
		local z = spare
		spare = nil
		return z
	end
	local u1 = random()
	while u1 <= 0 do
		u1 = random()
	end
	local r, a = sqrt(-2 * log(u1)), 2 * pi * random()
	spare = r * sin(a)
	return r * cos(a)
end

-- pick returns the first index whose cumulative weight exceeds a uniform draw.
local function pick(c)
	local u = random()
	for i = 1, #c do
		if u < c[i] then
			return i
		end
	end
	return #c
end

-- round halves away from zero, as Go's math.Round.
local function round(x)
	if x < 0 then
		return -floor(-x + 0.5)
	end
	return floor(x + 0.5)
end

local function draw1(m)
	local i = pick(m.cum)
	local x = m.mean[i] + m.std[i] * normal()
	if m.log then
		x = exp(x)
	end
	if m.round then
		x = round(x)
	end
	return x
end

-- bounded redraws a value outside [lo, hi] up to MAX_REDRAW times, then clamps.
local function bounded(m)
	for _ = 1, MAX_REDRAW do
		local x = draw1(m)
		if x >= m.lo and x <= m.hi then
			return x
		end
	end
	return min(max(draw1(m), m.lo), m.hi)
end

-- chainStep moves chain c one packet and writes its features into out (1 gap, 2 size).
local function chainStep(c, out)
	if c.state then
		c.state = pick(c.trans[c.state])
	else
		c.state = pick(c.start)
		c.z, c.x = {}, {}
	end
	local st = c.states[c.state]
	local z, x = c.z, c.x
	for try = 0, MAX_REDRAW do
		local k = pick(st.cum)
		local mu, L = st.mean[k], st.chol[k]
		for i = 1, c.dim do
			z[i] = normal()
		end
		local inside = true
		for i = 1, c.dim do
			local v, row = mu[i], L[i]
			for j = 1, i do
				v = v + row[j] * z[j]
			end
			v = v * c.std[i] + c.mean[i]
			if c.log[i] then
				v = exp(v)
			end
			if c.round[i] then
				v = round(v)
			end
			x[i] = v
			if not (v >= c.lo[i] and v <= c.hi[i]) then
				inside = false
			end
		end
		if inside then
			break
		end
		if try == MAX_REDRAW then
			for i = 1, c.dim do
				x[i] = min(max(x[i], c.lo[i]), c.hi[i])
			end
		end
	end
	for i = 1, c.dim do
		out[c.slot[i]] = x[i]
	end
end

local out = {0, 0}

-- nextPacket returns the gap (seconds) before the flow's next packet and its size.
local function nextPacket(f)
	if f.chains then
		for _, c in ipairs(f.chains) do
			chainStep(c, out)
		end
		return out[1], out[2]
	end
	return bounded(f.iat), bounded(f.size)
end

local function getPacket(f, buf)
	if f.tcp then
		return buf:getTcpPacket(f.ip4)
	end
	return buf:getUdpPacket(f.ip4)
end

function txTask(queue, rl, index, duration, rate, seed)
	local f = FLOWS[index]
	math.randomseed(seed + index)
	local linkMbps = queue.dev:getLinkStatus().speed
	if not linkMbps or linkMbps <= 0 then
		error(f.name .. ": link speed unknown (is the link up?)")
	end
	-- ns -> byte-times at the link speed, and the rate multiplier.
	local toBytes = 1e9 / rate * linkMbps / 8000
	local mem = memory.createMemPool(function(buf)
		local t = {pktLength = f.hdr}
		for k, v in pairs(f.fill) do
			t[k] = v
		end
		if f.tcp then
			t.tcpSrc, t.tcpDst, t.tcpAck, t.tcpPsh, t.tcpWindow = f.srcPort, f.dstPort, 1, 1, 65535
		else
			t.udpSrc, t.udpDst = f.srcPort, f.dstPort
		end
		getPacket(f, buf):fill(t)
	end)
	local bufs = mem:bufArray(BATCH)
	local stop = duration > 0 and timer:new(duration) or nil
	local pkts, bytes, clamped, seq = 0, 0, 0, 1
	local first = true
	while mg.running() and (stop == nil or stop:running()) do
		bufs:alloc(MIN_FRAME)
		for _, buf in ipairs(bufs) do
			local gap, size = nextPacket(f)
			if first then
				-- A direction's first packet has no gap.
				gap, first = 0, false
			end
			local payload = size - f.sizeOffset
			if payload > f.maxPayload then
				payload, clamped = f.maxPayload, clamped + 1
			elseif payload < 0 then
				payload = 0
			end
			local len = f.hdr + payload
			local pkt = getPacket(f, buf)
			pkt:setLength(len)
			if f.tcp then
				pkt.tcp:setSeqNumber(seq)
				seq = (seq + payload) % 4294967296
			end
			buf:setSize(max(len, MIN_FRAME))
			buf:setDelay(floor(gap * toBytes + 0.5))
			pkts, bytes = pkts + 1, bytes + max(len, MIN_FRAME)
		end
		if f.tcp then
			bufs:offloadTcpChecksums(f.ip4)
		else
			bufs:offloadUdpChecksums(f.ip4)
		end
		rl:send(bufs)
	end
	print(string.format("[gmm2trex] %s: %d packets, %d bytes sent", f.name, pkts, bytes))
	if clamped > 0 then
		print(string.format("[gmm2trex] %s: %d sizes clamped to the largest frame", f.name, clamped))
	end
end
`
