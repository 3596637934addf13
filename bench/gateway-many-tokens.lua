-- wrk script: requests cycle through many distinct bearer tokens, so the gateway verifies
-- signatures instead of answering from its verified-token cache.
--
--   TOKENS_FILE=tokens.txt wrk -t2 -c64 -d15s -s bench/gateway-many-tokens.lua http://127.0.0.1:18092/bench
--
-- TOKENS_FILE holds one token per line. The tokens are split between wrk threads (thread i
-- takes lines i, i+T, i+2T, ...), so each token is sent once per pass through the file and
-- memory holds every pre-formatted request exactly once.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  threads[#threads + 1] = thread
end

local requests = {}
local next_index = 1

function init(args)
  local path = os.getenv("TOKENS_FILE") or args[1]
  if not path then
    io.stderr:write("gateway-many-tokens.lua: set TOKENS_FILE\n")
    os.exit(2)
  end
  local total = tonumber(os.getenv("WRK_THREADS") or "") or 1
  local line_no = 0
  for line in io.lines(path) do
    if line ~= "" then
      if line_no % total == id then
        local headers = { ["Authorization"] = "Bearer " .. line, ["Host"] = wrk.headers["Host"] }
        requests[#requests + 1] = wrk.format("GET", wrk.path, headers)
      end
      line_no = line_no + 1
    end
  end
  if #requests == 0 then
    io.stderr:write("gateway-many-tokens.lua: no tokens for thread " .. id .. " in " .. path .. "\n")
    os.exit(2)
  end
end

function request()
  local req = requests[next_index]
  next_index = next_index % #requests + 1
  return req
end
