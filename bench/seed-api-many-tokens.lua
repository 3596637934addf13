-- wrk script: requests rotate through many distinct bearer tokens (the full-verification path:
-- every token is verified once before the cache can help).
--
--   TOKENS_FILE=tokens.txt wrk -t2 -c32 -d10s -s bench/seed-api-many-tokens.lua http://127.0.0.1:8000/data
--
-- TOKENS_FILE holds one token per line. Each wrk thread pre-formats one request per token and
-- starts at a different offset, so threads do not march through the tokens in lock-step.

local requests = {}
local next_index = 1

function init(args)
  local path = os.getenv("TOKENS_FILE") or args[1]
  if not path then
    io.stderr:write("seed-api-many-tokens.lua: set TOKENS_FILE\n")
    os.exit(2)
  end
  for line in io.lines(path) do
    if line ~= "" then
      local headers = { ["Authorization"] = "Bearer " .. line, ["Host"] = wrk.headers["Host"] }
      requests[#requests + 1] = wrk.format("GET", wrk.path, headers)
    end
  end
  if #requests == 0 then
    io.stderr:write("seed-api-many-tokens.lua: no tokens in " .. path .. "\n")
    os.exit(2)
  end
  -- A per-thread start offset (wrk gives every thread its own Lua state).
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
  next_index = math.random(#requests)
end

function request()
  local req = requests[next_index]
  next_index = next_index % #requests + 1
  return req
end
