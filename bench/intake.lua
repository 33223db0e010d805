-- wrk script for evaluation intake: one QR-code evaluation per request, each from its own address
-- (X-Forwarded-For, read by hcp only with trust_proxy = true), so the per-client rate limit does not apply.
-- HCP_WINDOW names the window (default JK-SCJG-01, in the demo); HCP_BAD_EVERY=N makes every N-th request a
-- bad review (level 2, which opens and dispatches a ticket); 0 or unset means none.
wrk.method = "POST"
local window = os.getenv("HCP_WINDOW") or "JK-SCJG-01"
local bad_every = tonumber(os.getenv("HCP_BAD_EVERY") or "0")
local n = 0
request = function()
  n = n + 1
  local level, tag, comment = 5, 517, "服务热情效率高"
  if bad_every > 0 and n % bad_every == 0 then
    level, tag, comment = 2, 214, "态度生硬"
  end
  local body = string.format('{"channel":"qrcode","window_code":"%s","level":%d,"tags":[%d],"comment":"%s"}',
    window, level, tag, comment)
  local headers = {
    ["content-type"] = "application/json",
    ["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254)),
  }
  return wrk.format(nil, nil, headers, body)
end
