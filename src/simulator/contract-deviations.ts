/**
 * Every place where the simulator follows today's Cloudflare API instead of the older official OpenAPI
 * extract (`test/fixtures/cloudflare/custom-hostnames.openapi.json`, Aug 2024; see its SOURCE.md). Each is a
 * JSON Patch (RFC 6902) on that document; the contract tests apply these and nothing else, so this list
 * is the complete record of where the simulator and the document disagree.
 */
export type JsonPatchOperation =
  | { op: "add" | "replace"; path: string; value: unknown }
  | { op: "remove"; path: string }
  | { op: "copy"; from: string; path: string };

/**
 * `relaxes`: today's API sends something the document forbids. `tightens`: the document leaves open what
 * today's API defines, so the contract tests hold the simulator to the newer, stricter shape.
 */
export type ContractDeviation = {
  title: string;
  effect: "relaxes" | "tightens";
  reason: string;
  patch: JsonPatchOperation[];
};

const SCHEMAS = "/components/schemas";
const HOSTNAMES = "/paths/~1zones~1{zone_id}~1custom_hostnames";
const HOSTNAME = "/paths/~1zones~1{zone_id}~1custom_hostnames~1{custom_hostname_id}";
const FALLBACK = "/paths/~1zones~1{zone_id}~1custom_hostnames~1fallback_origin";
const JSON_SCHEMA = "content/application~1json/schema";

const OPERATIONS = [
  { path: `${HOSTNAMES}/get`, failure: "tls-certificates-and-hostnames_api-response-common-failure" },
  { path: `${HOSTNAMES}/post`, failure: "tls-certificates-and-hostnames_api-response-common-failure" },
  { path: `${HOSTNAME}/get`, failure: "tls-certificates-and-hostnames_api-response-common-failure" },
  { path: `${HOSTNAME}/patch`, failure: "tls-certificates-and-hostnames_api-response-common-failure" },
  { path: `${HOSTNAME}/delete`, failure: "tls-certificates-and-hostnames_api-response-common-failure" },
  { path: `${FALLBACK}/get`, failure: "tls-certificates-and-hostnames_api-response-common-failure" },
  { path: `${FALLBACK}/put`, failure: "tls-certificates-and-hostnames_api-response-common-failure" },
  { path: `${FALLBACK}/delete`, failure: "tls-certificates-and-hostnames_api-response-common-failure" },
  { path: "/paths/~1user~1tokens~1verify/get", failure: "iam_api-response-common-failure" },
  { path: "/paths/~1zones~1{zone_id}/get", failure: "zones_api-response-common-failure" },
];

const CUSTOM_HOSTNAME_ID = { type: "string", minLength: 36, maxLength: 36, format: "uuid" };

export const CONTRACT_DEVIATIONS: ContractDeviation[] = [
  {
    title: "Custom hostname ids are 36-character UUIDs",
    effect: "relaxes",
    reason:
      "The document types hostname ids with the 32-character zone identifier schema (maxLength 32), yet its own " +
      "examples and the `id` list filter (min/max 36) use UUIDs, as the live API does " +
      "(docs/cloudflare-api.md#custom-hostname-fields).",
    patch: [
      {
        op: "replace",
        path: `${SCHEMAS}/tls-certificates-and-hostnames_custom-hostname/properties/id`,
        value: CUSTOM_HOSTNAME_ID,
      },
      {
        op: "replace",
        path: `${SCHEMAS}/tls-certificates-and-hostnames_customhostname/properties/id`,
        value: CUSTOM_HOSTNAME_ID,
      },
      {
        op: "replace",
        path: `${HOSTNAME}/delete/responses/200/${JSON_SCHEMA}/properties/id`,
        value: CUSTOM_HOSTNAME_ID,
      },
    ],
  },
  {
    title: "The fallback origin result is typed",
    effect: "tightens",
    reason:
      "The document leaves `result` an untyped object; the 2026 reference and SDK define origin, status (six " +
      "values), errors (strings), created_at and updated_at. The simulator always sends origin and status.",
    patch: [
      {
        op: "replace",
        path: `${SCHEMAS}/tls-certificates-and-hostnames_fallback_origin_response/allOf/1/properties/result`,
        value: {
          type: "object",
          additionalProperties: false,
          required: ["origin", "status"],
          properties: {
            origin: { type: "string", maxLength: 255 },
            status: {
              enum: [
                "initializing",
                "pending_deployment",
                "pending_deletion",
                "active",
                "deployment_timed_out",
                "deletion_timed_out",
              ],
            },
            errors: { type: "array", items: { type: "string" } },
            created_at: { type: "string", format: "date-time" },
            updated_at: { type: "string", format: "date-time" },
          },
        },
      },
    ],
  },
  {
    title: "result_info carries total_pages",
    effect: "tightens",
    reason:
      "Lists report `total_pages` today (the 2026 reference; docs/cloudflare-api.md#listing-and-paging); the 2024 " +
      "document omits it.",
    patch: [
      {
        op: "add",
        path: `${SCHEMAS}/tls-certificates-and-hostnames_result_info/properties/total_pages`,
        value: { type: "number", minimum: 0 },
      },
    ],
  },
  {
    title: "Failure responses are the failure envelope alone",
    effect: "relaxes",
    reason:
      "Each documented 4XX schema is allOf(success envelope with success: enum [true], failure envelope with " +
      "success: enum [false]), which no response can satisfy. Failures (4xx, and the undocumented 5xx) are " +
      "checked against the failure envelope of the operation's API group.",
    patch: OPERATIONS.flatMap(({ path, failure }) => [
      {
        op: "replace" as const,
        path: `${path}/responses/4XX/${JSON_SCHEMA}`,
        value: { $ref: `#${SCHEMAS}/${failure}` },
      },
      { op: "copy" as const, from: `${path}/responses/4XX`, path: `${path}/responses/5XX` },
    ]),
  },
  {
    title: "Create answers 201 and edit answers 202",
    effect: "relaxes",
    reason:
      "Cloudflare's status-code page for custom hostnames (docs/cloudflare-api.md#response-envelope) gives " +
      "POST 201 and PATCH 202 with the same body; the document declares only 200.",
    patch: [
      { op: "copy", from: `${HOSTNAMES}/post/responses/200`, path: `${HOSTNAMES}/post/responses/201` },
      { op: "copy", from: `${HOSTNAME}/patch/responses/200`, path: `${HOSTNAME}/patch/responses/202` },
    ],
  },
  {
    title: "Throttling answers error code 971",
    effect: "relaxes",
    reason:
      "The document requires error codes ≥ 1000, but throttled calls are reported to answer 429 with code 971 " +
      '"Please wait and consider throttling your request speed" (docs/cloudflare-api.md#error-codes).',
    patch: ["tls-certificates-and-hostnames_messages", "iam_messages", "zones_messages"].map((schema) => ({
      op: "remove" as const,
      path: `${SCHEMAS}/${schema}/items/properties/code/minimum`,
    })),
  },
];
