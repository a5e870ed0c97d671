import type { Credential } from "./auth.ts";
import type { HandlerResult } from "./custom-hostnames.ts";
import { successEnvelope } from "./envelope.ts";
import type { Zone } from "./store.ts";

/** GET /user/tokens/verify: the message text is what the live API answers (putyourlightson/craft-cloudflare #88). */
export function verifyToken(credential: Credential): HandlerResult {
  return {
    status: 200,
    body: successEnvelope(
      { id: credential.id, status: "active" },
      { messages: [{ code: 10000, message: "This API Token is valid and active" }] },
    ),
  };
}

/** GET /zones/{zone_id}: the fields the schema requires, plus today's status/paused/type. */
export function getZone(zone: Zone): HandlerResult {
  const created = new Date(zone.createdAt).toISOString();
  return {
    status: 200,
    body: successEnvelope({
      id: zone.id,
      name: zone.name,
      status: "active",
      paused: false,
      type: "full",
      development_mode: 0,
      name_servers: ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"],
      original_name_servers: null,
      original_registrar: null,
      original_dnshost: null,
      created_on: created,
      modified_on: created,
      activated_on: created,
      owner: { id: "0".repeat(32), name: "Simulated account", type: "organization" },
      account: { id: "0".repeat(32), name: "Simulated account" },
      meta: { custom_certificate_quota: 0, page_rule_quota: 3, phishing_detected: false, step: 2 },
      permissions: ["#ssl:edit", "#zone:read"],
    }),
  };
}
