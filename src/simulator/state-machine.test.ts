import { describe, expect, it } from "vitest";
import {
  certificateState,
  FALLBACK_ORIGIN_TIMING,
  fallbackOriginActiveSince,
  fallbackOriginStatus,
  ownershipState,
  VERIFICATION_ERRORS,
} from "./state-machine.ts";
import { HOSTNAME_VALIDATION_SCHEDULE, lastCheckAt } from "./validation-schedule.ts";

const S = 1000;
const DAY = 86_400 * S;
const routable = { updatedAt: 0, routable: true };

describe("fallback origin status", () => {
  it("is initializing, then pending_deployment, then active", () => {
    expect(fallbackOriginStatus(routable, 0)).toBe("initializing");
    expect(fallbackOriginStatus(routable, FALLBACK_ORIGIN_TIMING.pendingDeploymentAfter)).toBe(
      "pending_deployment",
    );
    expect(fallbackOriginStatus(routable, FALLBACK_ORIGIN_TIMING.activeAfter)).toBe("active");
    expect(fallbackOriginActiveSince(routable)).toBe(FALLBACK_ORIGIN_TIMING.activeAfter);
  });

  it("never deploys an origin that is not in the zone", () => {
    const outside = { updatedAt: 0, routable: false };
    expect(fallbackOriginStatus(outside, 30 * DAY)).toBe("initializing");
    expect(fallbackOriginActiveSince(outside)).toBeUndefined();
  });
});

describe("hostname ownership", () => {
  const base = { validationStartedAt: 0, fallbackOrigin: routable };

  it("is pending without errors until the first check", () => {
    expect(ownershipState({ ...base, now: 59 * S })).toEqual({ status: "pending", verificationErrors: [] });
  });

  it("reports every reason it is not active after a check", () => {
    expect(ownershipState({ validationStartedAt: 0, now: 61 * S }).verificationErrors).toEqual([
      VERIFICATION_ERRORS.noFallbackOrigin,
      VERIFICATION_ERRORS.noCname,
    ]);
    expect(
      ownershipState({ ...base, fallbackOrigin: { updatedAt: 40 * S, routable: true }, now: 61 * S })
        .verificationErrors,
    ).toEqual([VERIFICATION_ERRORS.fallbackOriginNotActive("initializing"), VERIFICATION_ERRORS.noCname]);
  });

  it("turns active at the first check after the DNS evidence appears and the fallback origin is active", () => {
    const state = ownershipState({ ...base, evidenceSince: 100 * S, now: 200 * S });
    expect(state).toEqual({ status: "active", verificationErrors: [], verifiedAt: 123 * S });
  });

  it("stays pending before that check", () => {
    expect(ownershipState({ ...base, evidenceSince: 100 * S, now: 122 * S }).status).toBe("pending");
  });

  it("waits for the fallback origin even when DNS is right, then passes at the next check", () => {
    // Active at 560 s; checks run at 486 s and 570 s.
    const late = { updatedAt: 500 * S, routable: true };
    expect(ownershipState({ ...base, fallbackOrigin: late, evidenceSince: 0, now: 565 * S }).status).toBe(
      "pending",
    );
    expect(ownershipState({ ...base, fallbackOrigin: late, evidenceSince: 0, now: 575 * S }).verifiedAt).toBe(
      570 * S,
    );
  });

  it("stays active once verified, whatever the evidence says now", () => {
    expect(ownershipState({ validationStartedAt: 0, verifiedAt: 60 * S, now: 30 * DAY }).status).toBe(
      "active",
    );
  });

  it("is moved after the last check, and deleted seven days later", () => {
    const last = lastCheckAt(HOSTNAME_VALIDATION_SCHEDULE, 0);
    expect(ownershipState({ ...base, now: last - 1 }).status).toBe("pending");
    expect(ownershipState({ ...base, now: last }).status).toBe("moved");
    expect(ownershipState({ ...base, now: last + 7 * DAY }).status).toBe("deleted");
  });

  it("does not validate on evidence that appeared after the last check", () => {
    const last = lastCheckAt(HOSTNAME_VALIDATION_SCHEDULE, 0);
    expect(ownershipState({ ...base, evidenceSince: last + 1, now: last + 2 * DAY }).status).toBe("moved");
  });
});

describe("certificate", () => {
  const base = { orderedAt: 0, validationStartedAt: 0, hostnameGaveUp: false };

  it("is initializing until its validation records exist, then pending_validation", () => {
    expect(certificateState({ ...base, now: 4 * S }).status).toBe("initializing");
    expect(certificateState({ ...base, now: 5 * S }).status).toBe("pending_validation");
  });

  it("goes pending_issuance, pending_deployment (issued), then active after DCV passes", () => {
    const input = { ...base, evidenceSince: 0 };
    expect(certificateState({ ...input, now: 60 * S })).toEqual({
      status: "pending_issuance",
      validatedAt: 60 * S,
    });
    expect(certificateState({ ...input, now: 90 * S })).toEqual({
      status: "pending_deployment",
      validatedAt: 60 * S,
      issuedAt: 90 * S,
    });
    expect(certificateState({ ...input, now: 120 * S }).status).toBe("active");
  });

  it("never validates without evidence, and times out with its hostname", () => {
    expect(certificateState({ ...base, now: 30 * DAY }).status).toBe("pending_validation");
    expect(certificateState({ ...base, hostnameGaveUp: true, now: 30 * DAY }).status).toBe(
      "validation_timed_out",
    );
  });

  it("keeps a latched validation", () => {
    expect(certificateState({ ...base, validatedAt: 60 * S, now: 200 * S }).status).toBe("active");
  });
});
