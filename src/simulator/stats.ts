/**
 * Request counts for `GET /__sim/stats`: by `METHOD /route/template`, and by the HTTP status answered (so a
 * benchmark can count 429s without trusting the client it measures).
 */
export class RequestStats {
  #total = 0;
  #byEndpoint = new Map<string, number>();
  #byStatus = new Map<string, number>();

  /** `endpoint` is undefined for paths no route matches: they count in the total only. */
  record(endpoint: string | undefined): void {
    this.#total += 1;
    if (endpoint) this.#byEndpoint.set(endpoint, (this.#byEndpoint.get(endpoint) ?? 0) + 1);
  }

  /** The status a counted request was answered with; a connection reset answers none and is not counted here. */
  recordStatus(status: number): void {
    const key = String(status);
    this.#byStatus.set(key, (this.#byStatus.get(key) ?? 0) + 1);
  }

  snapshot(): { total: number; byEndpoint: Record<string, number>; byStatus: Record<string, number> } {
    return {
      total: this.#total,
      byEndpoint: Object.fromEntries(this.#byEndpoint),
      byStatus: Object.fromEntries(this.#byStatus),
    };
  }

  reset(): void {
    this.#total = 0;
    this.#byEndpoint.clear();
    this.#byStatus.clear();
  }
}
