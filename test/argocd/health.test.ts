import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { HEALTH_CHECKS, renderArgocdCm } from "./argocd-cm.ts";
import { runHealthCheck } from "./lua.ts";

type Verdict = "Progressing" | "Degraded";

const credentialVerdicts: Record<string, Verdict> = {
  Conflict: "Degraded",
  SecretNotFound: "Degraded",
  InvalidSecret: "Degraded",
  InvalidCredentials: "Degraded",
  Unauthorized: "Degraded",
  CredentialsCheckFailed: "Progressing",
};

const failedCallVerdicts: Record<string, Verdict> = {
  CloudflareUnavailable: "Progressing",
  InvalidHostname: "Degraded",
  EntitlementMissing: "Degraded",
  QuotaExceeded: "Degraded",
  InvalidSslSettings: "Degraded",
  HostnameImmutable: "Degraded",
  DuplicateHostname: "Degraded",
  NotFound: "Degraded",
  CloudflareError: "Degraded",
};

const deletionVerdicts: Record<string, Verdict> = {
  DeletionBlocked: "Degraded",
  DeletionFailed: "Progressing",
};

// Every not-Ready reason docs/reference.md lists for each kind, with the verdict Argo CD should show.
const notReadyVerdicts: Record<string, Record<string, Verdict>> = {
  CustomHostname: {
    PendingValidation: "Progressing",
    Redeploying: "Progressing",
    NotObserved: "Progressing",
    Initializing: "Progressing",
    Queued: "Progressing",
    PendingCertificateValidation: "Progressing",
    PendingIssuance: "Progressing",
    PendingDeployment: "Progressing",
    Blocked: "Degraded",
    Moved: "Degraded",
    Deleted: "Degraded",
    CertificateExpired: "Degraded",
    CertificateTimedOut: "Degraded",
    CertificateNotActive: "Degraded",
    FallbackOriginNotFound: "Degraded",
    ...credentialVerdicts,
    ...failedCallVerdicts,
    ...deletionVerdicts,
  },
  FallbackOrigin: {
    Pending: "Progressing",
    DeploymentTimedOut: "Degraded",
    PendingDeletion: "Degraded",
    DeletionTimedOut: "Degraded",
    Deleted: "Degraded",
    NotActive: "Degraded",
    OriginNotSet: "Degraded",
    ...credentialVerdicts,
    ...failedCallVerdicts,
    ...deletionVerdicts,
  },
};

/** Reasons named in the first column of docs/reference.md's "| Reason | Meaning |" tables, per kind. */
function documentedReasons(kind: string): string[] {
  const [customHostname = "", fallbackOrigin = ""] = readFileSync("docs/reference.md", "utf8").split(
    /^## FallbackOrigin$/m,
  );
  const section = kind === "CustomHostname" ? customHostname : fallbackOrigin;
  const reasons = new Set<string>();
  for (const table of section.split(/^\| Reason \| Meaning/m).slice(1)) {
    for (const row of table.split("\n").slice(2)) {
      if (!row.startsWith("|")) break;
      const firstCell = row.split("|")[1] ?? "";
      for (const match of firstCell.matchAll(/`([A-Za-z]+)`/g)) if (match[1]) reasons.add(match[1]);
    }
  }
  reasons.delete("Active");
  return [...reasons];
}

function sample(kind: string, status: Record<string, unknown> | undefined, generation = 2) {
  return {
    apiVersion: "cfsaas.dev/v1alpha1",
    kind,
    metadata: { name: "shop", namespace: "tenants", generation },
    spec: {},
    ...(status === undefined ? {} : { status }),
  };
}

function readyCondition(status: string, reason: string, message: string) {
  return {
    type: "Ready",
    status,
    reason,
    message,
    lastTransitionTime: "2026-11-28T10:00:00Z",
    observedGeneration: 2,
  };
}

describe.each(HEALTH_CHECKS)("the Argo CD health check for $kind", ({ kind, file }) => {
  const script = readFileSync(file, "utf8");
  const verdicts = notReadyVerdicts[kind] ?? {};
  const check = (status?: Record<string, unknown>, generation?: number) =>
    runHealthCheck(script, sample(kind, status, generation));

  it("is Healthy when Ready is True, with the condition's reason and message", async () => {
    const syncedFailing = {
      type: "Synced",
      status: "False",
      reason: "CloudflareUnavailable",
      message: "503",
    };
    const hs = await check({
      observedGeneration: 2,
      conditions: [syncedFailing, readyCondition("True", "Active", "Serving traffic")],
    });
    expect(hs).toEqual({ status: "Healthy", message: "Active: Serving traffic" });
  });

  it("is Progressing before the operator has written any status", async () => {
    expect(await check(undefined)).toEqual({
      status: "Progressing",
      message: "Waiting for the operator to report status",
    });
    expect((await check({ observedGeneration: 2, conditions: [] })).status).toBe("Progressing");
  });

  it("is Progressing while the operator has not yet observed the latest spec, even if Ready was True", async () => {
    const hs = await check({ observedGeneration: 2, conditions: [readyCondition("True", "Active", "")] }, 3);
    expect(hs).toEqual({
      status: "Progressing",
      message: "Waiting for the operator to observe generation 3",
    });
  });

  it("is Progressing when Ready is Unknown, or False with a reason it does not know yet", async () => {
    const unknown = await check({
      observedGeneration: 2,
      conditions: [readyCondition("Unknown", "Conflict", "")],
    });
    expect(unknown).toEqual({ status: "Progressing", message: "Conflict" });
    const future = await check({
      observedGeneration: 2,
      conditions: [readyCondition("False", "SomeFutureReason", "later")],
    });
    expect(future).toEqual({ status: "Progressing", message: "SomeFutureReason: later" });
  });

  it("has a verdict for every reason docs/reference.md lists for this kind", () => {
    const documented = documentedReasons(kind);
    expect(documented.length).toBeGreaterThan(10);
    expect(documented.filter((reason) => !(reason in verdicts))).toEqual([]);
  });

  it.each(Object.entries(verdicts))(
    "reports Ready False with reason %s as %s, quoting the reason and message",
    async (reason, verdict) => {
      const message = `Cloudflare said "no" — für ${reason}\nsecond line`;
      const hs = await check({
        observedGeneration: 2,
        conditions: [readyCondition("False", reason, message)],
      });
      expect(hs).toEqual({ status: verdict, message: `${reason}: ${message}` });
    },
  );
});

describe("argocd/README.md", () => {
  it("documents the argocd-cm snippet exactly as the .lua files are", () => {
    const readme = readFileSync("argocd/README.md", "utf8");
    expect(readme).toContain(`\`\`\`yaml\n${renderArgocdCm()}\n\`\`\``);
  });

  it("gives Argo CD each script byte for byte once the YAML is parsed", () => {
    const configMap = parse(renderArgocdCm()) as { data: Record<string, string> };
    for (const { kind, file } of HEALTH_CHECKS) {
      expect(configMap.data[`resource.customizations.health.cfsaas.dev_${kind}`]).toBe(
        readFileSync(file, "utf8"),
      );
    }
  });
});
