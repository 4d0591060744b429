-- wrk script of make bench: requests read from a plan file, one request per line:
--   METHOD <TAB> PATH <TAB> HEADERS <TAB> BODY
-- HEADERS are "Name: value" pairs joined by "|"; BODY may be empty.
--
-- LX_PLAN     the plan file
-- LX_ORDER    "random" (default): every request a random line;
--             "once": each line once, shared out among wrk's threads (line k to thread
--             k mod threads; one connection a thread); when all its lines are answered a thread stops and writes
--             the file LX_DONE.<thread>, and the caller ends wrk (SIGINT): wrk's main
--             thread would otherwise sleep out its whole -d
-- LX_THREADS  wrk's -t (threads are numbered in setup)
-- LX_DELAY_MS the mean of a random pause before each request, exponentially distributed: an
--             open loop of people who each send when they are ready rather than as soon as
--             the answer before came (wrk does not count the pause in the latency); unset: none
-- LX_LATENCY  a file that done() writes the latencies to (microseconds and count, a line
--             each), so that several runs of one scenario can be pooled

local plan_file = os.getenv("LX_PLAN")
local order = os.getenv("LX_ORDER") or "random"
local nthreads = tonumber(os.getenv("LX_THREADS") or "1")
local counter = 0

function setup(thread)
   thread:set("id", counter)
   counter = counter + 1
end

local function split(s, sep)
   local out, from = {}, 1
   while true do
      local i = string.find(s, sep, from, true)
      if not i then
         out[#out + 1] = string.sub(s, from)
         return out
      end
      out[#out + 1] = string.sub(s, from, i - 1)
      from = i + #sep
   end
end

local reqs = {}
local next_req = 1
local sent, answered = 0, 0

function init(args)
   local k, mine = 0, (id or 0)
   for line in io.lines(plan_file) do
      if order == "random" or k % nthreads == mine then
         local f = split(line, "\t")
         local headers = {}
         if f[3] ~= nil and f[3] ~= "" then
            for _, h in ipairs(split(f[3], "|")) do
               local c = string.find(h, ": ", 1, true)
               headers[string.sub(h, 1, c - 1)] = string.sub(h, c + 2)
            end
         end
         local body = f[4]
         if body == "" then body = nil end
         reqs[#reqs + 1] = wrk.format(f[1], f[2], headers, body)
      end
      k = k + 1
   end
   math.randomseed(os.time() + (id or 0) * 7919)
end

-- wrk calls request() once in its first thread before any connection, to count the requests
-- a call returns (script_verify_request); that call must not use up a line.
local verified = false

function request()
   if order == "random" then
      return reqs[math.random(#reqs)]
   end
   if not verified and (id or 0) == 0 then
      verified = true
      return reqs[1]
   end
   -- once: past the end (only while the thread is being stopped), the last request again:
   -- a re-sent form, answered from the record of the first
   if next_req > #reqs then
      return reqs[#reqs]
   end
   local r = reqs[next_req]
   next_req = next_req + 1
   sent = sent + 1
   return r
end

if order == "once" then
   function response(status, headers, body)
      answered = answered + 1
      if answered == #reqs then
         local f = io.open(os.getenv("LX_DONE") .. "." .. (id or 0), "w")
         f:write("done\n")
         f:close()
         -- no more requests from this thread; wrk's main thread still sleeps out its -d
         wrk.thread:stop()
      end
   end
end

local delay_ms = tonumber(os.getenv("LX_DELAY_MS") or "")
if delay_ms then
   function delay()
      return -delay_ms * math.log(1 - math.random())
   end
end

local latency_file = os.getenv("LX_LATENCY")
if latency_file then
   function done(summary, latency, requests)
      local f = io.open(latency_file, "w")
      for i = 1, #latency do
         local v, c = latency(i)
         f:write(string.format("%d %d\n", v, c))
      end
      f:close()
   end
end
