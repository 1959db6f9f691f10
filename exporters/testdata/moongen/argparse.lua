-- Stand-in for the argparse library MoonGen hands to configure(parser): the
-- calls userscripts make (parser:description, parser:argument(name, help),
-- parser:option("-s --long", help), parser:flag(...), and on each element
-- :args(n), :default(v), :convert(f), :target(name)), then parser:parse().
-- Targets default to the long name with dashes turned into underscores, as
-- in argparse.
local standin = require "standin"

local element = {}
element.__index = element

function element:args(n) self._args = n return self end
function element:default(v) self._default = v return self end
function element:convert(f) self._convert = f return self end
function element:target(t) self._target = t return self end
function element:description(d) return self end
function element:count(c) self._count = c return self end
function element:choices(c) self._choices = c return self end

local parser = {}
parser.__index = parser

local function new()
	return setmetatable({_arguments = {}, _options = {}, _commands = {}}, parser)
end

function parser:description(d) self._description = d return self end
function parser:args(...) self._argv = {...} return self end

function parser:argument(name, help)
	local e = setmetatable({name = name, _target = name}, element)
	table.insert(self._arguments, e)
	return e
end

local function option(self, spec, help, flag)
	local e = setmetatable({names = {}, flag = flag}, element)
	for n in spec:gmatch("%S+") do
		e.names[#e.names + 1] = n
		if n:sub(1, 2) == "--" then
			e._target = n:sub(3):gsub("-", "_")
		end
	end
	e._target = e._target or e.names[1]:gsub("^%-+", "")
	table.insert(self._options, e)
	return e
end

function parser:option(spec, help) return option(self, spec, help, false) end
function parser:flag(spec, help) return option(self, spec, help, true) end

local function convert(e, v)
	if e._convert and v ~= nil then
		local c = e._convert(v)
		if c == nil then
			standin.fail("argument %s: malformed value %q", e.name or e.names[1], tostring(v))
		end
		return c
	end
	return v
end

function parser:parse(argv)
	argv = argv or self._argv or standin.args
	local out, pos = {}, 1
	local byName = {}
	for _, o in ipairs(self._options) do
		for _, n in ipairs(o.names) do
			byName[n] = o
		end
		if o.flag then
			out[o._target] = false
		elseif o._default ~= nil then
			out[o._target] = convert(o, o._default)
		end
	end
	local i = 1
	while i <= #argv do
		local a = tostring(argv[i])
		local name, value = a:match("^(%-%-[^=]+)=(.*)$")
		name = name or a
		local o = a:sub(1, 1) == "-" and not tonumber(a) and byName[name]
		if a:sub(1, 1) == "-" and not tonumber(a) and not o then
			standin.fail("unknown option %s", a)
		end
		if o then
			if o.flag then
				out[o._target] = true
			else
				if value == nil then
					i = i + 1
					value = argv[i]
					if value == nil then
						standin.fail("option %s needs a value", a)
					end
				end
				out[o._target] = convert(o, value)
			end
		else
			local e = self._arguments[pos]
			if not e then
				standin.fail("too many arguments: %s", a)
			end
			out[e._target] = convert(e, argv[i])
			pos = pos + 1
		end
		i = i + 1
	end
	for k = pos, #self._arguments do
		local e = self._arguments[k]
		if e._default ~= nil then
			out[e._target] = convert(e, e._default)
		else
			standin.fail("missing argument %s", e.name)
		end
	end
	return out
end

return new
