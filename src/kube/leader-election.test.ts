import { describe, expect, it } from "vitest";
import { type KubeApiClient, KubeApiError } from "./api-client.ts";
import { LeaderElector } from "./leader-election.ts";

type Lease = { metadata: { resourceVersion: string }; spec: { holderIdentity?: string } };

/**
 * One Lease behind a compare-and-swap PUT, as the API server keeps it. A renewal's PUT is held on the wire until
 * `hold` resolves or another PUT arrives, which then waits for the held one to land first: the order in which a
 * release that does not wait for the renewal loses its write.
 */
function leaseServer() {
  let lease: Lease | undefined;
  let version = 0;
  let held: { release: () => void; landed: Promise<void> } | undefined;
  const put = (body: Lease) => {
    if (body.metadata.resourceVersion !== lease?.metadata.resourceVersion) {
      throw new KubeApiError(409, "Conflict", "the object has been modified");
    }
    lease = { ...body, metadata: { resourceVersion: String(++version) } };
    return lease;
  };
  const api = {
    async request(method: string, _path: string, options: { body?: Lease } = {}) {
      if (method === "GET") {
        if (!lease) throw new KubeApiError(404, "NotFound", "no lease");
        return structuredClone(lease);
      }
      if (method === "POST") {
        lease = { ...options.body!, metadata: { resourceVersion: String(++version) } };
        return lease;
      }
      const body = options.body!;
      if (held) {
        // A write racing the held renewal: the renewal lands first.
        held.release();
        await held.landed;
        return put(body);
      }
      if (holdRenewals && body.spec.holderIdentity) {
        let release = () => {};
        const gate = new Promise<void>((resolve) => {
          release = resolve;
        });
        const landed = gate.then(() => {
          held = undefined;
        });
        held = { release, landed };
        renewalHeld();
        await landed;
      }
      return put(body);
    },
  } as unknown as KubeApiClient;
  let holdRenewals = false;
  let renewalHeld = () => {};
  return {
    api,
    holder: () => lease?.spec.holderIdentity,
    /** Resolves once a renewal's PUT is on the wire; `releaseAfter` lets it land after so many ms. */
    holdNextRenewal(releaseAfterMs: number): Promise<void> {
      holdRenewals = true;
      return new Promise((resolve) => {
        renewalHeld = () => {
          holdRenewals = false;
          setTimeout(() => held?.release(), releaseAfterMs);
          resolve();
        };
      });
    },
  };
}

describe("LeaderElector", () => {
  it("hands the lease back even when the release comes while a renewal is on the wire", async () => {
    const server = leaseServer();
    const errors: unknown[] = [];
    const elector = new LeaderElector(server.api, {
      namespace: "ns",
      name: "op",
      identity: "a",
      leaseDurationMs: 1_500,
      renewDeadlineMs: 1_000,
      retryPeriodMs: 50,
      onError: (error) => errors.push(error),
    });
    expect(await elector.acquire()).toBeDefined();
    await server.holdNextRenewal(100);
    await elector.release();
    expect(server.holder()).toBe("");
    expect(errors).toEqual([]);
  });
});
