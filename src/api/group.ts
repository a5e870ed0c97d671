/**
 * The API group and version both kinds are served under. `crds/` is what the API server enforces; `src/api` states
 * the same schemas in zod for the code, and `src/api/crds.test.ts` fails when the two differ.
 */
export const API_GROUP = "cfsaas.dev";
export const API_VERSION = "v1alpha1";
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}` as const;
