-- Stand-in for MoonGen's "moongen" module (libmoon's task and time API) with
-- the same names and units: mg.startTask(name, ...), mg.waitForTasks(),
-- mg.running(), mg.stop(), mg.getTime() (seconds), mg.sleepMillis(ms).
-- Tasks run one after another when waitForTasks is called, each on its own
-- virtual clock that the rate limiter advances by the delays it is given, so
-- a run is fast and exactly reproducible. mg.running() turns false once the
-- current task has sent the packet quota given to run.lua.
local standin = require "standin"

local mod = {}
local pending = {}

function mod.startTask(name, ...)
	if type(name) ~= "string" then
		standin.fail("startTask: task name must be a string (the global function's name), got %s", type(name))
	end
	if standin.task then
		standin.fail("startTask(%q) called from task %q: only the master starts tasks here", name, standin.task.name)
	end
	pending[#pending + 1] = {name = name, args = {...}, n = select("#", ...)}
	return {wait = function() end}
end

function mod.waitForTasks()
	for i, t in ipairs(pending) do
		local fn = _G[t.name]
		if type(fn) ~= "function" then
			standin.fail("task function %q not found (it must be a global function)", t.name)
		end
		standin.task = {index = i, name = t.name, sent = 0, clock = 0}
		fn(unpack(t.args, 1, t.n))
		standin.task = nil
	end
	pending = {}
end

function mod.running()
	if standin.stopped then
		return false
	end
	local t = standin.task
	return t == nil or t.sent < standin.quota
end

function mod.stop()
	standin.stopped = true
end

function mod.getTime()
	local t = standin.task
	return t and t.clock or 0
end

function mod.sleepMillis(ms)
	local t = standin.task
	if t then
		t.clock = t.clock + ms / 1000
	end
end

function mod.sleepMicros(us)
	mod.sleepMillis(us / 1000)
end

return mod
