import { KubeConfig } from "@kubernetes/client-node";
import { describeEgressProxy, sharedPools } from "../cloudflare/index.ts";
import { createLogger, errorFields } from "../logging/logger.ts";
import { Operator } from "../operator/operator.ts";
import { parseRunArgs, RUN_USAGE } from "./run-options.ts";

/** `cfsaas-operator run`: the operator process. Exits 0 on SIGTERM/SIGINT after a clean stop, 1 on failure. */
export async function runCommand(argv: string[]): Promise<void> {
  const parsed = parseRunArgs(argv);
  if (parsed.help) {
    console.log(RUN_USAGE);
    return;
  }
  const { kubeconfig, logLevel, ...settings } = parsed.options;
  const options = parsed.options;
  const logger = createLogger({ level: logLevel });
  // Throws on a malformed proxy URL before anything starts; never logs a proxy's user or password.
  const cloudflareProxy = describeEgressProxy(sharedPools.proxy);
  const kubeConfig = new KubeConfig();
  if (kubeconfig) kubeConfig.loadFromFile(kubeconfig);
  else kubeConfig.loadFromCluster();
  const operator = new Operator({ ...settings, kubeConfig }, logger);

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string, exitCode: number) => {
    stopping ??= (async () => {
      logger.info({ reason }, "shutting down: finishing reconciles in flight");
      await operator.stop();
      logger.info("stopped");
      process.exit(exitCode);
    })();
    return stopping;
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM", 0));
  process.once("SIGINT", () => void shutdown("SIGINT", 0));

  logger.info(
    {
      credentialsNamespace: options.credentialsNamespace,
      cloudflareApiUrl: options.cloudflareApiUrl,
      cloudflareProxy,
      workers: options.workers,
      leaderElect: options.leaderElect,
      pageSize: options.pageSize,
      requestBudget: `${options.requestBudget.requests}/${options.requestBudget.windowSeconds}s`,
      zonePollIntervalMs: options.zonePollIntervalMs,
    },
    "starting cfsaas-operator",
  );
  try {
    const lost = await operator.start();
    lost?.addEventListener("abort", () => {
      logger.error("lost leadership; exiting so a fresh replica can take over");
      void shutdown("leadership lost", 1);
    });
  } catch (error) {
    logger.error({ ...errorFields(error) }, "operator failed to start");
    await shutdown("start failed", 1);
  }
}
