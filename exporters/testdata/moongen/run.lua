-- Runs a MoonGen userscript against the stand-in modules in this directory,
-- the way MoonGen's main.lua does (load the script, configure(parser),
-- parser:parse(), master(args)), without DPDK.
--
--   luajit run.lua RECORD PACKETS LINK_MBPS SCRIPT [script arguments...]
--
-- RECORD receives one line per packet (see software-ratecontrol.lua);
-- PACKETS is each task's quota, after which mg.running() turns false.
local dir = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = dir .. "/?.lua;" .. package.path

local standin = require "standin"
local argparse = require "argparse"

if #arg < 4 then
	io.stderr:write("usage: luajit run.lua RECORD PACKETS LINK_MBPS SCRIPT [args...]\n")
	os.exit(2)
end
local record, quota, link, script = arg[1], tonumber(arg[2]), tonumber(arg[3]), arg[4]
standin.quota, standin.linkMbps = quota, link
standin.record = assert(io.open(record, "w"))

-- MoonGen's main turns numeric arguments into numbers before parsing.
local args = {}
for i = 5, #arg do
	args[#args + 1] = tonumber(arg[i]) or arg[i]
end
standin.args = args

-- Globals libmoon's utils provide to every script.
function printf(fmt, ...)
	print(string.format(fmt, ...))
end

local chunk = assert(loadfile(script))
chunk()
local parsed = {}
if _G.configure then
	local parser = argparse()
	parser:args(unpack(args))
	parsed = {_G.configure(parser, unpack(args))}
	if #parsed == 0 then
		parsed = {parser:parse()}
	end
end
if type(_G.master) ~= "function" then
	standin.fail("%s defines no master function", script)
end
_G.master(unpack(parsed))
standin.record:close()
