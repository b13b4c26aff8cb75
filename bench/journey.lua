-- wrk script: a reader's journey, cycled: the paths in BENCH_PATHS (space-separated) in order,
-- with the request headers in BENCH_HEADERS ("Name: value" lines, e.g. Accept-Encoding: gzip),
-- carrying cookies as a browser does: each thread keeps a jar that every Set-Cookie answer
-- updates (a cookie set to expire, or with Max-Age=0, leaves it), and sends what it holds.
-- BENCH_COOKIE (a Cookie header) fills the jar at the start. wrk hands response() one value per
-- header name, so of several Set-Cookie lines in one answer only one is seen. The greatest number of cookies a
-- thread carried is printed at the end as "cookies carried: N".
local paths = {}
for path in string.gmatch(os.getenv("BENCH_PATHS") or "/", "%S+") do
  table.insert(paths, path)
end
local threads = {}

function parse_cookie_header(header, jar)
  for pair in string.gmatch(header or "", "[^;]+") do
    local name, value = string.match(pair, "^%s*([^=]+)=(.*)$")
    if name then jar[name] = value end
  end
end

function apply_set_cookie(line, jar)
  local name, value = string.match(line, "^%s*([^=;]+)=([^;]*)")
  if not name then return end
  local lower = string.lower(line)
  if string.find(lower, "max%-age=0") or string.find(lower, "expires=thu, 01 jan 1970") then
    jar[name] = nil
  else
    jar[name] = value
  end
end

function cookie_header(jar)
  local parts = {}
  for name, value in pairs(jar) do
    table.insert(parts, name .. "=" .. value)
  end
  table.sort(parts)
  return table.concat(parts, "; "), #parts
end

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  carried = 0
  jar = {}
  parse_cookie_header(os.getenv("BENCH_COOKIE"), jar)
  base = {}
  for line in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^\n]+") do
    local name, value = string.match(line, "^([^:]+):%s*(.*)$")
    if name then base[name] = value end
  end
end

function request()
  local path = paths[counter % #paths + 1]
  counter = counter + 1
  -- wrk.format takes these headers in place of wrk.headers (it adds Host itself).
  local headers = {}
  for name, value in pairs(base) do headers[name] = value end
  local cookies, n = cookie_header(jar)
  if n > 0 then
    headers["Cookie"] = cookies
    if n > carried then carried = n end
  end
  return wrk.format(nil, path, headers)
end

function response(status, headers, body)
  for name, value in pairs(headers) do
    if string.lower(name) == "set-cookie" then apply_set_cookie(value, jar) end
  end
end

function done(summary, latency, requests)
  local most = 0
  for _, thread in ipairs(threads) do
    local n = thread:get("carried") or 0
    if n > most then most = n end
  end
  io.write(string.format("cookies carried: %d\n", most))
end
