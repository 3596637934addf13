-- wrk script: every request carries the same bearer token (the verified-token cache path).
--
--   TOKEN=eyJ... wrk -t2 -c32 -d10s -s bench/seed-api-one-token.lua http://127.0.0.1:8000/data
--
-- The token comes from the TOKEN environment variable (or TOKEN_FILE, first line), so it never
-- appears in the process list. wrk counts any non-2xx answer under "Non-2xx or 3xx responses":
-- a correct run shows none.

local function read_token()
  local token = os.getenv("TOKEN")
  if token and token ~= "" then
    return token
  end
  local path = os.getenv("TOKEN_FILE")
  if path then
    for line in io.lines(path) do
      if line ~= "" then
        return line
      end
    end
  end
  io.stderr:write("seed-api-one-token.lua: set TOKEN (or TOKEN_FILE)\n")
  os.exit(2)
end

wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. read_token()
