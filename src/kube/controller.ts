import { WorkQueue } from "./work-queue.ts";

/** What a reconcile asks for next; polling is `requeueAfterMs`, never an error. */
export interface ReconcileResult {
  requeueAfterMs?: number;
}

export type Reconciler = (key: string) => Promise<ReconcileResult | undefined>;

export type ReconcileOutcome = "success" | "requeue_after" | "error";

export interface ControllerObserver {
  reconciled?(
    controller: string,
    key: string,
    outcome: ReconcileOutcome,
    seconds: number,
    error?: unknown,
  ): void;
  /** A failed key was put back with backoff (the workqueue retries metric). */
  retried?(controller: string, key: string, delayMs: number): void;
}

export interface ControllerOptions {
  name: string;
  reconcile: Reconciler;
  workers?: number;
  queue?: WorkQueue;
  observer?: ControllerObserver;
}

/**
 * Runs a reconciler over a work queue with controller-runtime's result handling: `done` always; success →
 * `forget`; `requeueAfterMs` → `forget` + delayed add; error → rate-limited re-add. Failures only the user can
 * fix are not errors: the reconcile reports them in status and returns a long `requeueAfterMs`.
 */
export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  readonly #reconcile: Reconciler;
  readonly #workers: number;
  readonly #observer: ControllerObserver;
  #running: Promise<void>[] = [];

  constructor(options: ControllerOptions) {
    this.name = options.name;
    this.queue = options.queue ?? new WorkQueue();
    this.#reconcile = options.reconcile;
    this.#workers = options.workers ?? 1;
    this.#observer = options.observer ?? {};
  }

  start(): void {
    if (this.#running.length > 0) return;
    this.#running = Array.from({ length: this.#workers }, () => this.#work());
  }

  /** Stops taking keys and waits for the reconciles in flight to finish. */
  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.#running);
    this.#running = [];
  }

  async #work(): Promise<void> {
    for (let key = await this.queue.get(); key !== undefined; key = await this.queue.get()) {
      await this.#process(key);
    }
  }

  async #process(key: string): Promise<void> {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const result = await this.#reconcile(key);
      this.queue.forget(key);
      if (result?.requeueAfterMs !== undefined && result.requeueAfterMs > 0) {
        this.queue.addAfter(key, result.requeueAfterMs);
        this.#observer.reconciled?.(this.name, key, "requeue_after", seconds());
      } else {
        this.#observer.reconciled?.(this.name, key, "success", seconds());
      }
    } catch (error) {
      this.#observer.reconciled?.(this.name, key, "error", seconds(), error);
      const delay = this.queue.addRateLimited(key);
      this.#observer.retried?.(this.name, key, delay);
    } finally {
      this.queue.done(key);
    }
  }
}

/**
 * Something the manager starts once this replica leads and stops on shutdown (controller-runtime's Runnable):
 * a controller with whatever it needs running beside it.
 */
export interface Runnable {
  readonly name: string;
  start(): Promise<void>;
  /** Stops taking work and waits for what is in flight. */
  stop(): Promise<void>;
}
