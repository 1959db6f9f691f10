-- State shared by the stand-in modules: what run.lua was told, the task
-- being run, its virtual clock and the record of every packet handed to a
-- rate limiter. Test code of gmm2trex, not part of MoonGen.
local standin = {
	quota = 0,       -- packets per task before mg.running() turns false
	linkMbps = 10000, -- what dev:getLinkStatus().speed reports
	maxFrame = 9238,
	record = nil,    -- file receiving one line per packet
	args = {},       -- the userscript's command line
	task = nil,      -- {index, name, sent, clock}
	stopped = false,
}

function standin.fail(fmt, ...)
	error("moongen stand-in: " .. string.format(fmt, ...), 0)
end

return standin
