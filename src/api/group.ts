/** The API group and version both kinds are served under (`crds/` is the source of truth). */
export const API_GROUP = "cfsaas.dev";
export const API_VERSION = "v1alpha1";
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}` as const;
