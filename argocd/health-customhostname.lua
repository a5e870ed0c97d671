-- Argo CD health check for cfsaas.dev/CustomHostname (Lua 5.1). Reasons: docs/reference.md.
-- Degraded: a person must act (fix the spec, the Secret, DNS, or talk to Cloudflare); the operator
-- will not get there alone. Every other not-Ready reason is a wait, and unknown reasons count as waits.
local degraded = {
  Blocked = true, Moved = true, Deleted = true,
  CertificateExpired = true, CertificateTimedOut = true, CertificateNotActive = true,
  FallbackOriginNotFound = true, Conflict = true,
  SecretNotFound = true, InvalidSecret = true, InvalidCredentials = true, Unauthorized = true,
  InvalidHostname = true, EntitlementMissing = true, QuotaExceeded = true, InvalidSslSettings = true,
  HostnameImmutable = true, DuplicateHostname = true, NotFound = true, CloudflareError = true,
  DeletionBlocked = true,
}

local hs = { status = "Progressing", message = "Waiting for the operator to report status" }
local status = obj.status
if status == nil or status.conditions == nil then
  return hs
end
local generation = obj.metadata and obj.metadata.generation
if generation ~= nil and status.observedGeneration ~= nil and status.observedGeneration < generation then
  hs.message = "Waiting for the operator to observe generation " .. generation
  return hs
end
local ready = nil
for _, condition in ipairs(status.conditions) do
  if condition.type == "Ready" then
    ready = condition
  end
end
if ready == nil then
  return hs
end
local reason = ready.reason or ""
local detail = reason
if ready.message ~= nil and ready.message ~= "" then
  detail = reason .. ": " .. ready.message
end
if ready.status == "True" then
  hs.status = "Healthy"
elseif ready.status == "False" and degraded[reason] then
  hs.status = "Degraded"
end
hs.message = detail
return hs
