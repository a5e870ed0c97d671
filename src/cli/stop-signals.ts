/** SIGTERM from Kubernetes or a supervisor, SIGINT from Ctrl-C: the signals that ask a command to stop. */
const STOP_SIGNALS = ["SIGTERM", "SIGINT"] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

export interface StopSignals {
  /** Resolves with the first SIGTERM or SIGINT received. */
  received: Promise<StopSignal>;
  /** Removes the handlers; for a command that ends on its own. */
  dispose(): void;
}

/**
 * Handles SIGTERM and SIGINT from now on. Call it before a command announces it is ready (a listening line,
 * "serving metrics and health", "control plane ready"): whoever reads the announcement may signal at once,
 * and a signal that arrives while no handler is installed takes Node's default action, killing the process
 * (status 143) before it stops cleanly. The first signal removes the handlers, so a second one kills the
 * process: the way out of a stop that hangs.
 */
export function listenForStopSignals(): StopSignals {
  const { promise: received, resolve } = Promise.withResolvers<StopSignal>();
  const onSignal = (signal: StopSignal) => {
    dispose();
    resolve(signal);
  };
  const dispose = () => {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  return { received, dispose };
}
