-- The claim -> submit -> approve flow for wrk: run with as many threads as connections, so each
-- thread owns one connection and its requests follow one another in order. Thread n walks the
-- gigs n, n + threads, n + 2 * threads, ... of the plan file (`-- PLAN`), whose lines are
--   E <employer bearer>   S <student bearer> (one per thread)   G <gig id> (in order)
-- A thread that runs out of gigs stops; done() reports walks and failures per step.

local threads = {}

function setup(thread)
   thread:set("index", #threads)
   table.insert(threads, thread)
end

local employer, students, gigs = nil, {}, {}
local gig, position, step, stride = nil, 0, 0, 0
local headers_of = {}
local steps = { "claim", "submission", "review" }
local bodies = {
   claim = nil,
   submission = '{"url":"https://example.org/work"}',
   review = '{"decision":"approve","feedback":"great"}',
}
failures = { claim = 0, submission = 0, review = 0 }
walked = 0
first_failure = ""

function init(args)
   for line in io.lines(args[1]) do
      local kind, value = line:sub(1, 1), line:sub(3)
      if kind == "E" then employer = value
      elseif kind == "S" then table.insert(students, value)
      elseif kind == "G" then table.insert(gigs, value) end
   end
   stride = #students
   position = index + 1
   local student = students[index + 1]
   local json = "application/json"
   headers_of.claim = { Authorization = "Bearer " .. student }
   headers_of.submission = { Authorization = "Bearer " .. student, ["Content-Type"] = json }
   headers_of.review = { Authorization = "Bearer " .. employer, ["Content-Type"] = json }
end

function request()
   if step == 0 then
      gig = gigs[position]
      if gig == nil then
         wrk.thread:stop()
         -- stop() takes effect after this request; the health check is not a step of the flow.
         return wrk.format("GET", "/health")
      end
   end
   local name = steps[step + 1]
   return wrk.format("POST", "/gigs/" .. gig .. "/" .. name, headers_of[name], bodies[name])
end

function response(status, headers, body)
   local name = steps[step + 1]
   if status >= 300 then
      failures[name] = failures[name] + 1
      if first_failure == "" then first_failure = name .. " " .. status .. " " .. body:sub(1, 120) end
   end
   step = (step + 1) % 3
   if step == 0 then
      walked = walked + 1
      position = position + stride
   end
end

function done(summary, latency, requests)
   local walks, failed, first = 0, { claim = 0, submission = 0, review = 0 }, ""
   for _, thread in ipairs(threads) do
      walks = walks + thread:get("walked")
      local f = thread:get("failures")
      for name, n in pairs(f) do failed[name] = failed[name] + n end
      local ff = thread:get("first_failure")
      if first == "" and ff ~= "" then first = ff end
   end
   io.write(string.format("flow walks %d failures claim %d submission %d review %d\n",
      walks, failed.claim, failed.submission, failed.review))
   if first ~= "" then io.write("first failure: " .. first .. "\n") end
end
