-- The claim -> submit -> approve flow for wrk: run with as many threads as connections, so each
-- thread owns one connection and its requests follow one another in order. Thread n walks the
-- gigs n, n + threads, n + 2 * threads, ... of the plan file (`-- PLAN`), whose lines are
--   E <employer bearer>   S <student bearer> (one per thread)   G <gig id> (in order)
-- A thread that runs out of gigs stops; done() reports walks and failures per step.
--
-- Paced (`-- PLAN START WALKS`): gig p's walk is due at START + (p - 1) / WALKS seconds (START in
-- milliseconds of CLOCK_MONOTONIC, which is Python's time.monotonic() here), whatever the server
-- does: an open loop. A claim's latency counts from when it was due, not from when its connection
-- came free, so a server falling behind shows in the latencies instead of slowing the arrivals;
-- a submission's and a review's count from when they were sent (each waits for the step before).
-- Each connection first sends one GET /health, uncounted: wrk sends a connection's first request
-- on connecting, before any delay() could pace it. done() then also prints each step's p50/p99.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } fairgig_timespec;
int clock_gettime(int clk_id, fairgig_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local clock = ffi.new("fairgig_timespec[1]")

local function now_ms()
   ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
   return tonumber(clock[0].tv_sec) * 1000 + tonumber(clock[0].tv_nsec) / 1e6
end

local threads = {}

function setup(thread)
   thread:set("index", #threads)
   table.insert(threads, thread)
end

local employer, students, gigs = nil, {}, {}
local gig, position, step, stride = nil, 0, 0, 0
local start, interval, warmed, sent = nil, 0, true, 0
local headers_of = {}
local steps = { "claim", "submission", "review" }
local bodies = {
   claim = nil,
   submission = '{"url":"https://example.org/work"}',
   review = '{"decision":"approve","feedback":"great"}',
}
failures = { claim = 0, submission = 0, review = 0 }
-- One flat table per step: wrk copies a thread's values for done(), and crashes on nested tables.
latency_claim, latency_submission, latency_review = {}, {}, {}
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
   if args[2] ~= nil then
      start, interval, warmed = tonumber(args[2]), 1000 / tonumber(args[3]), false
   end
   position = index + 1
   local student = students[index + 1]
   local json = "application/json"
   headers_of.claim = { Authorization = "Bearer " .. student }
   headers_of.submission = { Authorization = "Bearer " .. student, ["Content-Type"] = json }
   headers_of.review = { Authorization = "Bearer " .. employer, ["Content-Type"] = json }
end

local function due()
   return start + (position - 1) * interval
end

function delay()
   if start == nil or step ~= 0 then return 0 end
   return math.max(0, due() - now_ms())
end

function request()
   if not warmed then return wrk.format("GET", "/health") end
   if step == 0 then
      gig = gigs[position]
      if gig == nil then
         wrk.thread:stop()
         -- stop() takes effect after this request; the health check is not a step of the flow.
         return wrk.format("GET", "/health")
      end
   end
   local name = steps[step + 1]
   sent = now_ms()
   return wrk.format("POST", "/gigs/" .. gig .. "/" .. name, headers_of[name], bodies[name])
end

function response(status, headers, body)
   if not warmed then
      warmed = true
      return
   end
   if gig == nil then return end -- the health check sent on running out of gigs
   local name = steps[step + 1]
   if start ~= nil and status < 300 then
      local from = step == 0 and due() or sent
      table.insert(_G["latency_" .. name], now_ms() - from)
   end
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

local function percentile(sorted, q)
   if #sorted == 0 then return 0 end
   return sorted[math.max(1, math.ceil(q * #sorted))]
end

local function summary_of(values)
   table.sort(values)
   return string.format("%d %.2f %.2f", #values, percentile(values, 0.5), percentile(values, 0.99))
end

function done(summary, latency, requests)
   local walks, failed, first = 0, { claim = 0, submission = 0, review = 0 }, ""
   local every, of_step = {}, { claim = {}, submission = {}, review = {} }
   for _, thread in ipairs(threads) do
      walks = walks + thread:get("walked")
      local f = thread:get("failures")
      for name, n in pairs(f) do failed[name] = failed[name] + n end
      local ff = thread:get("first_failure")
      if first == "" and ff ~= "" then first = ff end
      for _, name in ipairs(steps) do
         for _, ms in ipairs(thread:get("latency_" .. name)) do
            table.insert(of_step[name], ms)
            table.insert(every, ms)
         end
      end
   end
   io.write(string.format("flow walks %d failures claim %d submission %d review %d\n",
      walks, failed.claim, failed.submission, failed.review))
   if first ~= "" then io.write("first failure: " .. first .. "\n") end
   if #every > 0 then
      -- count, p50 ms, p99 ms: of every step, then of each
      io.write(string.format("paced all %s claim %s submission %s review %s\n", summary_of(every),
         summary_of(of_step.claim), summary_of(of_step.submission), summary_of(of_step.review)))
   end
end
