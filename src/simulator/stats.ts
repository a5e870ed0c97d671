/** Request counts for `GET /__sim/stats`, keyed `METHOD /route/template`. */
export class RequestStats {
  #total = 0;
  #byEndpoint = new Map<string, number>();

  /** `endpoint` is undefined for paths no route matches: they count in the total only. */
  record(endpoint: string | undefined): void {
    this.#total += 1;
    if (endpoint) this.#byEndpoint.set(endpoint, (this.#byEndpoint.get(endpoint) ?? 0) + 1);
  }

  snapshot(): { total: number; byEndpoint: Record<string, number> } {
    return { total: this.#total, byEndpoint: Object.fromEntries(this.#byEndpoint) };
  }

  reset(): void {
    this.#total = 0;
    this.#byEndpoint.clear();
  }
}
