-- wrk script: POST comments (or approvals) with the fields and cookies a real form page gave us.
-- Each wrk thread numbers its requests apart from the others, so no two bodies or ids repeat.
local threads_total = tonumber(os.getenv("BENCH_THREADS") or "1")
local mode = os.getenv("BENCH_MODE")
local path = os.getenv("BENCH_PATH")
local fields = os.getenv("BENCH_FIELDS")
local first_id = tonumber(os.getenv("BENCH_FIRST_ID") or "0")
local next_thread = 0

function setup(thread)
  thread:set("thread_id", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  counter = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  local cookie = os.getenv("BENCH_COOKIE") or ""
  if cookie ~= "" then wrk.headers["Cookie"] = cookie end
  -- What a browser adds to a form posted from the site's own page.
  local origin = os.getenv("BENCH_ORIGIN") or ""
  if origin ~= "" then
    wrk.headers["Origin"] = origin
    wrk.headers["Sec-Fetch-Site"] = "same-origin"
  end
end

function request()
  counter = counter + 1
  local n = counter * threads_total + thread_id
  if mode == "approve" then
    return wrk.format(nil, "/admin/comments/" .. (first_id + n) .. "/approve", nil, fields)
  end
  return wrk.format(nil, path, nil, fields .. "&body=Bench+comment+" .. n)
end
