import type { Logger } from "pino";
import { describeEgressProxy, sharedPools } from "../cloudflare/index.ts";
import { connectToKube } from "../kube/connection.ts";
import { createLogger, errorFields } from "../logging/logger.ts";
import { Operator } from "../operator/operator.ts";
import { parseRunArgs, RUN_USAGE } from "./run-options.ts";
import { listenForStopSignals } from "./stop-signals.ts";

/** What `run` starts and stops: the Operator, or a stand-in in tests. */
export interface Runnable {
  /** Resolves once running, with a signal that aborts if leadership is lost later. */
  start(): Promise<AbortSignal | undefined>;
  stop(): Promise<void>;
}

/**
 * Starts `operator` and resolves with the process's exit code once it has stopped: 0 after SIGTERM/SIGINT,
 * 1 when it fails to start, loses leadership or fails to stop. The signal handlers are in place before
 * `start`, which announces readiness ("serving metrics and health").
 */
export async function runUntilStopped(
  operator: Runnable,
  logger: Logger,
  startingWith: Record<string, unknown>,
): Promise<number> {
  const stopSignals = listenForStopSignals();
  const { promise: exitCode, resolve } = Promise.withResolvers<number>();
  let stopping = false;
  const shutdown = async (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, "shutting down: finishing reconciles in flight");
    try {
      await operator.stop();
      logger.info("stopped");
      resolve(code);
    } catch (error) {
      logger.error({ ...errorFields(error) }, "operator failed to stop cleanly");
      resolve(1);
    } finally {
      // Kept until now so that a SIGTERM arriving during a stop for another reason does not kill the process.
      stopSignals.dispose();
    }
  };
  void stopSignals.received.then((signal) => shutdown(signal, 0));

  logger.info(startingWith, "starting cfsaas-operator");
  try {
    const lost = await operator.start();
    const leadershipLost = () => {
      logger.error("lost leadership; exiting so a fresh replica can take over");
      void shutdown("leadership lost", 1);
    };
    if (lost?.aborted) leadershipLost();
    else lost?.addEventListener("abort", leadershipLost, { once: true });
  } catch (error) {
    logger.error({ ...errorFields(error) }, "operator failed to start");
    void shutdown("start failed", 1);
  }
  return exitCode;
}

/** `cfsaas-operator run`: the operator process. Exits 0 on SIGTERM/SIGINT after a clean stop, 1 on failure. */
export async function runCommand(argv: string[]): Promise<void> {
  const parsed = parseRunArgs(argv);
  if (parsed.help) {
    console.log(RUN_USAGE);
    return;
  }
  const { kubeconfig, logLevel, ...settings } = parsed.options;
  const kube = await connectToKube(kubeconfig);
  const logger = createLogger({ level: logLevel });
  // Throws on a malformed proxy URL before anything starts; never logs a proxy's user or password.
  const cloudflareProxy = describeEgressProxy(sharedPools.proxy);
  const operator = new Operator({ ...settings, kube }, logger);
  const exitCode = await runUntilStopped(operator, logger, {
    credentialsNamespace: settings.credentialsNamespace,
    cloudflareApiUrl: settings.cloudflareApiUrl,
    cloudflareProxy,
    workers: settings.workers,
    leaderElect: settings.leaderElect,
    pageSize: settings.pageSize,
    requestBudget: `${settings.requestBudget.requests}/${settings.requestBudget.windowSeconds}s`,
    zonePollIntervalMs: settings.zonePollIntervalMs,
  });
  process.exit(exitCode);
}
