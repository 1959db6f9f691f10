-- Stand-in for libmoon's timer module: timer:new(seconds), running(),
-- expired(), timeLeft(), reset([seconds]), busyWait(), wait(), on the clock of
-- mg.getTime().
local mg = require "moongen"

local mod = {}
local timer = {}
timer.__index = timer

function mod:new(time)
	return setmetatable({time = time or 0, stop = mg.getTime() + (time or 0)}, timer)
end

function timer:running()
	return self.stop > mg.getTime()
end

function timer:expired()
	return self.stop <= mg.getTime()
end

function timer:timeLeft()
	return self.stop - mg.getTime()
end

function timer:reset(time)
	self.stop = mg.getTime() + (time or self.time)
end

function timer:busyWait()
	-- Nothing else advances the virtual clock while a task waits, so jump.
	local left = self:timeLeft()
	if left > 0 then
		mg.sleepMillis(left * 1000)
	end
	return mg.running()
end

timer.wait = timer.busyWait

return mod
