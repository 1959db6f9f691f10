-- Stand-in for libmoon's memory module and the packet buffers it hands out:
-- memory.createMemPool([n,] initFunc) (or {n =, func =}), mem:bufArray(n),
-- bufs:alloc(size), bufs:offloadUdpChecksums(ipv4), bufs:offloadTcpChecksums(ipv4),
-- bufs:freeAll(); per buffer buf:setSize(len), buf:getSize(), buf:setDelay(d),
-- buf:getUdpPacket(ipv4) / buf:getTcpPacket(ipv4) with :fill{...} and
-- :setLength(len), pkt.tcp:setSeqNumber(n). Buffers hold header fields as Lua
-- values, not bytes: enough for the rate limiter to check that lengths and
-- offloads agree with the size of every frame it sends.
local standin = require "standin"

local mod = {}

local mempool = {}
mempool.__index = mempool
local bufArray = {}
bufArray.__index = bufArray
local buf = {}
buf.__index = buf

-- Keys fill accepts, by packet kind (a subset of libmoon's, the ones a
-- UDP/TCP userscript sets; anything else is a typo here).
local common = {pktLength = true, ethSrc = true, ethDst = true, ethType = true}
local keys = {
	udp4 = {ip4Src = true, ip4Dst = true, udpSrc = true, udpDst = true},
	udp6 = {ip6Src = true, ip6Dst = true, udpSrc = true, udpDst = true},
	tcp4 = {ip4Src = true, ip4Dst = true},
	tcp6 = {ip6Src = true, ip6Dst = true},
}
for _, k in ipairs({"tcpSrc", "tcpDst", "tcpSeqNumber", "tcpAckNumber", "tcpAck", "tcpPsh", "tcpSyn", "tcpFin", "tcpRst", "tcpUrg", "tcpWindow"}) do
	keys.tcp4[k], keys.tcp6[k] = true, true
end

function mod.createMemPool(n, func)
	if type(n) == "table" then
		n, func = n.n, n.func
	elseif type(n) == "function" then
		n, func = nil, n
	end
	if func ~= nil and type(func) ~= "function" then
		standin.fail("createMemPool: init function expected, got %s", type(func))
	end
	return setmetatable({n = n or 2047, init = func}, mempool)
end

function mempool:bufArray(n)
	n = n or 63
	if n < 1 or n > self.n then
		standin.fail("bufArray(%d): outside 1..%d (the pool's size)", n, self.n)
	end
	local a = setmetatable({size = n, pool = self}, bufArray)
	for i = 1, n do
		local b = setmetatable({hdr = {}, size = 0}, buf)
		-- DPDK runs the pool's init function once per mbuf; recycled mbufs keep
		-- whatever the task wrote into them.
		if self.init then
			self.init(b)
		end
		a[i] = b
	end
	return a
end

function bufArray:alloc(size)
	for i = 1, self.size do
		local b = self[i]
		b.size, b.delay, b.offload = size, nil, nil
	end
end

function bufArray:freeAll()
end

local function offload(self, kind, ipv4)
	ipv4 = ipv4 == nil or ipv4
	for i = 1, self.size do
		local b = self[i]
		local want = kind .. (ipv4 and "4" or "6")
		if b.hdr.kind ~= want then
			standin.fail("offload%sChecksums(%s) on a %s packet", kind == "udp" and "Udp" or "Tcp", tostring(ipv4), tostring(b.hdr.kind))
		end
		b.offload = want
	end
end

function bufArray:offloadUdpChecksums(ipv4, l2Len, l3Len)
	offload(self, "udp", ipv4)
end

function bufArray:offloadTcpChecksums(ipv4, l2Len, l3Len)
	offload(self, "tcp", ipv4)
end

function buf:setSize(size)
	self.size = size
end

function buf:getSize()
	return self.size
end

function buf:setDelay(d)
	self.delay = d
end

local packet = {}
packet.__index = packet

-- Header lengths without Ethernet, by kind.
local l3len = {udp4 = 20, udp6 = 40, tcp4 = 20, tcp6 = 40}

function packet:fill(t)
	local h = self.hdr
	for k, v in pairs(t) do
		if not (common[k] or keys[self.kind][k]) then
			standin.fail("fill: key %q is not a field of a %s packet", k, self.kind)
		end
		h[k] = v
	end
	if t.pktLength then
		self:setLength(t.pktLength)
	end
	if self.kind:sub(1, 3) == "tcp" then
		h.seq = t.tcpSeqNumber or 0
	end
end

-- setLength writes the IP and UDP length fields for a frame of len bytes.
function packet:setLength(len)
	local h = self.hdr
	local l3 = l3len[self.kind]
	if self.kind == "udp4" or self.kind == "tcp4" then
		h.ipLength = len - 14
	else
		h.ipLength = len - 14 - 40 -- IPv6 payload length
	end
	if self.kind == "udp4" or self.kind == "udp6" then
		h.udpLength = len - 14 - l3
	end
	h.frameLength = len
end

local tcpHeader = {}
tcpHeader.__index = tcpHeader

function tcpHeader:setSeqNumber(n)
	self.hdr.seq = n
end

function tcpHeader:setAckNumber(n)
	self.hdr.ack = n
end

-- The address and port setters of libmoon's IP and UDP/TCP headers:
-- ip4:setSrc(uint32), ip4:setDst(uint32), ip4/ip6:setSrcString(s),
-- setDstString(s); udp/tcp:setSrcPort(n), setDstPort(n). They keep the
-- values as text (IPv4 dotted) in hdr.src, dst, sport, dport.
local ipHeader = {}
ipHeader.__index = ipHeader

local function dotted(n)
	if type(n) ~= "number" or n < 0 or n >= 2 ^ 32 or n % 1 ~= 0 then
		standin.fail("ip4 address %s is not a 32-bit number", tostring(n))
	end
	return string.format("%d.%d.%d.%d", math.floor(n / 2 ^ 24), math.floor(n / 2 ^ 16) % 256, math.floor(n / 2 ^ 8) % 256, n % 256)
end

function ipHeader:setSrc(n)
	if not self.v4 then
		standin.fail("ip6:setSrc takes a union ip6_address; use setSrcString")
	end
	self.hdr.src = dotted(n)
end

function ipHeader:setDst(n)
	if not self.v4 then
		standin.fail("ip6:setDst takes a union ip6_address; use setDstString")
	end
	self.hdr.dst = dotted(n)
end

function ipHeader:setSrcString(s) self.hdr.src = s end
function ipHeader:setDstString(s) self.hdr.dst = s end

local function port(n)
	if type(n) ~= "number" or n < 0 or n > 65535 or n % 1 ~= 0 then
		standin.fail("port %s is not a 16-bit number", tostring(n))
	end
	return n
end

function tcpHeader:setSrcPort(n) self.hdr.sport = port(n) end
function tcpHeader:setDstPort(n) self.hdr.dport = port(n) end

local udpHeader = {}
udpHeader.__index = udpHeader
function udpHeader:setSrcPort(n) self.hdr.sport = port(n) end
function udpHeader:setDstPort(n) self.hdr.dport = port(n) end

local function getPacket(self, kind)
	local h = self.hdr
	if h.kind and h.kind ~= kind then
		standin.fail("buffer filled as %s read as %s", h.kind, kind)
	end
	h.kind = kind
	local p = setmetatable({hdr = h, kind = kind}, packet)
	local v4 = kind:sub(4) == "4"
	p[v4 and "ip4" or "ip6"] = setmetatable({hdr = h, v4 = v4}, ipHeader)
	if kind:sub(1, 3) == "tcp" then
		p.tcp = setmetatable({hdr = h}, tcpHeader)
	else
		p.udp = setmetatable({hdr = h}, udpHeader)
	end
	return p
end

-- tuple is a buffer's addresses and ports as the record writes them: what
-- the setters wrote last, else what fill wrote.
function mod.tuple(h)
	return h.src or h.ip4Src or h.ip6Src, h.sport or h.udpSrc or h.tcpSrc, h.dst or h.ip4Dst or h.ip6Dst, h.dport or h.udpDst or h.tcpDst
end

function buf:getUdpPacket(ipv4)
	return getPacket(self, (ipv4 == nil or ipv4) and "udp4" or "udp6")
end

function buf:getTcpPacket(ipv4)
	return getPacket(self, (ipv4 == nil or ipv4) and "tcp4" or "tcp6")
end

-- l4hdr is the transport header length of a kind.
mod.l4hdr = {udp4 = 8, udp6 = 8, tcp4 = 20, tcp6 = 20}
mod.l3hdr = l3len

return mod
