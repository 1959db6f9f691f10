-- Stand-in for MoonGen's software rate limiter: limiter:new(queue, mode,
-- delay) with mode "custom" (per-packet delays from buf:setDelay, in
-- byte-times at the link speed, start-to-start: the limiter waits the delay,
-- then sends), rl:send(bufs), rl:sendN(bufs, n), rl:stop(). Instead of
-- sending, it checks each frame and writes one line per packet to the record:
--   task port queue frameLength payloadLength delayBytes srcIP srcPort dstIP dstPort
-- and advances the task's clock by the delay.
local standin = require "standin"
local memory = require "memory"

local mod = {}
local rateLimiter = {}
rateLimiter.__index = rateLimiter
mod.rateLimiter = rateLimiter

function mod:new(queue, mode, delay)
	mode = mode or "custom"
	if mode ~= "custom" and mode ~= "cbr" and mode ~= "poisson" then
		standin.fail("limiter:new: unsupported mode %q", tostring(mode))
	end
	if mode ~= "custom" then
		standin.fail("limiter:new: the stand-in implements only the custom mode, got %q", mode)
	end
	if type(queue) ~= "table" or not queue.dev then
		standin.fail("limiter:new: a TX queue is needed (dev:getTxQueue(i))")
	end
	if standin.task then
		standin.fail("limiter:new called in task %q: it can only be created from the master", standin.task.name)
	end
	return setmetatable({queue = queue, mode = mode, speed = queue.dev:getLinkStatus().speed}, rateLimiter)
end

local function check(b, i)
	local h = b.hdr
	local kind = h.kind
	if not kind then
		standin.fail("buffer %d: never filled as a UDP or TCP packet", i)
	end
	local d = b.delay
	if type(d) ~= "number" or d < 0 or d % 1 ~= 0 or d >= 2 ^ 53 then
		standin.fail("buffer %d: delay %s is not a non-negative whole number of byte-times (setDelay missing?)", i, tostring(d))
	end
	if b.offload ~= kind then
		standin.fail("buffer %d: checksum offload not requested for this %s packet", i, kind)
	end
	local size = b.size
	if size < 60 or size > standin.maxFrame then
		standin.fail("buffer %d: size %d outside 60..%d", i, size, standin.maxFrame)
	end
	local frameLen = h.frameLength
	if not frameLen then
		standin.fail("buffer %d: lengths never set (setLength or fill{pktLength})", i)
	end
	-- Frames shorter than 60 bytes are padded: the size may exceed the
	-- length in the headers, never fall short of it.
	if not (frameLen == size or (size == 60 and frameLen < 60)) then
		standin.fail("buffer %d: headers say a %d-byte frame, buffer size is %d", i, frameLen, size)
	end
	local hdr = 14 + memory.l3hdr[kind] + memory.l4hdr[kind]
	if frameLen < hdr then
		standin.fail("buffer %d: frame length %d shorter than its %d header bytes", i, frameLen, hdr)
	end
	return frameLen - hdr
end

function rateLimiter:sendN(bufs, n)
	local t = standin.task
	if not t then
		standin.fail("rl:send outside a task")
	end
	if n > bufs.size then
		standin.fail("sendN(%d) on an array of %d", n, bufs.size)
	end
	local q = self.queue
	for i = 1, n do
		local b = bufs[i]
		local payload = check(b, i)
		-- A TCP stream's sequence numbers advance by each segment's payload,
		-- per 5-tuple.
		local h = b.hdr
		local src, sport, dst, dport = memory.tuple(h)
		local key = string.format("%s %s %s %s", tostring(src), tostring(sport), tostring(dst), tostring(dport))
		if h.kind == "tcp4" or h.kind == "tcp6" then
			self.nextSeq = self.nextSeq or {}
			local want = self.nextSeq[key]
			if want and h.seq ~= want then
				standin.fail("buffer %d: TCP sequence number %s, want %d", i, tostring(h.seq), want)
			end
			self.nextSeq[key] = (h.seq + payload) % 4294967296
		end
		-- Delays are byte-times at the link speed: 8 bits each.
		t.clock = t.clock + b.delay * 8 / (self.speed * 1e6)
		t.sent = t.sent + 1
		standin.record:write(string.format("%d %d %d %d %d %d %s\n", t.index, q.id, q.qid, b.size, payload, b.delay, key))
	end
end

function rateLimiter:send(bufs)
	self:sendN(bufs, bufs.size)
end

function rateLimiter:stop()
end

return mod
