-- A list of one-shot requests (each 360 invitation can be submitted once), split between
-- wrk's threads; a thread that has used its share stops. Lines: path TAB bearer-token.
local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  items = {}
  local n = 0
  local every = {{threads}}
  for line in io.lines("{{list}}") do
    n = n + 1
    if (n - 1) % every == id - 1 then
      local path, token = line:match("([^\t]+)\t([^\t]+)")
      table.insert(items, {path = path, token = token})
    end
  end
  index = 0
  finished = false
end

function request()
  index = index + 1
  local item = items[index]
  if item == nil then
    finished = true
    return wrk.format("GET", "/healthz")
  end
  return wrk.format("{{method}}", item.path, {
    ["Authorization"] = "Bearer " .. item.token,
    ["Content-Type"] = "application/json",
  }, {{body}})
end

function response(status, headers, body)
  if finished then
    wrk.thread:stop()
  end
end
