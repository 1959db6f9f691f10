-- Stand-in for libmoon's device module: device.config{port = N, txQueues = N,
-- rxQueues = N} (or device.config(port, rxQueues, txQueues)),
-- device.waitForLinks(), dev:getTxQueue(i) (0-based), dev:getLinkStatus()
-- ({status, speed} with speed in Mbit/s), queue.dev, queue.id, queue.qid.
local standin = require "standin"

local mod = {}
local dev = {}
dev.__index = dev
local configured = {}

function mod.config(args, rxQueues, txQueues)
	if type(args) ~= "table" then
		args = {port = args, rxQueues = rxQueues, txQueues = txQueues}
	end
	local port = args.port
	if type(port) ~= "number" or port < 0 or port % 1 ~= 0 then
		standin.fail("device.config: port must be a non-negative integer, got %s", tostring(port))
	end
	if configured[port] then
		standin.fail("device.config: port %d configured twice", port)
	end
	local d = setmetatable({id = port, txQueues = args.txQueues or 1, rxQueues = args.rxQueues or 1, queues = {}}, dev)
	configured[port] = d
	return d
end

function mod.waitForLinks()
end

function dev:getTxQueue(i)
	if type(i) ~= "number" or i < 0 or i >= self.txQueues then
		standin.fail("port %d: getTxQueue(%s) outside the %d configured TX queues", self.id, tostring(i), self.txQueues)
	end
	local q = self.queues[i]
	if not q then
		q = {dev = self, id = self.id, qid = i}
		self.queues[i] = q
	end
	return q
end

function dev:getLinkStatus()
	return {status = true, speed = standin.linkMbps, duplexFull = true}
end

function dev:wait()
end

return mod
