local counter = 0
local threadid = math.random(1, 1000000)
request = function()
  counter = counter + 1
  local body = '{"optionIds":["' .. opt .. '"],"voterId":"w' .. threadid .. '-' .. counter .. '"}'
  return wrk.format("POST", path, {["Content-Type"]="application/json", ["Authorization"]="Bearer " .. tok}, body)
end
