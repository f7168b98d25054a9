package io.tributary;

import io.tributary.config.ConfigException;
import io.tributary.config.ConfigHelp;
import io.tributary.config.TributaryConfig;
import io.tributary.demo.TestPatternBroadcaster;
import io.tributary.log.FfmpegLog;
import io.tributary.log.LogbackSetup;

import java.nio.file.Path;
import java.util.logging.Logger;

/**
 * The launcher: {@code java -jar tributary.jar [--config FILE] [--demo]}.
 * {@code --demo} (or the {@code demo} command) also starts a built-in test-pattern
 * broadcaster that publishes to this node over real RTMP as stream {@code demo}.
 */
public final class Tributary {

    private static final Logger LOG = Logger.getLogger(Tributary.class.getName());

    private Tributary() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0 && args[0].equals("ctl")) { // the gRPC control plane's client, not a node
            io.tributary.grpc.Ctl.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length > 0 && args[0].equals("probe")) { // a health check or preStop drain of the node in this container
            io.tributary.ops.NodeProbe.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        LogbackSetup.install();
        Path configFile = null;
        boolean demo = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config", "-c" -> {
                    if (i + 1 >= args.length) {
                        exit("--config needs a file");
                    }
                    configFile = Path.of(args[++i]);
                }
                case "--demo", "demo" -> demo = true;
                case "run" -> { }
                case "--help", "-h" -> {
                    System.out.print(help());
                    return;
                }
                case "--version", "-v" -> {
                    System.out.println("tributary " + version());
                    return;
                }
                default -> exit("unknown argument '" + args[i] + "' (try --help)");
            }
        }
        TributaryConfig config;
        try {
            config = TributaryConfig.load(configFile, System.getenv());
        } catch (ConfigException e) {
            exit(e.getMessage());
            return;
        }
        LogbackSetup.apply(config.log());
        FfmpegLog.install(org.bytedeco.ffmpeg.global.avutil.AV_LOG_WARNING);
        // signals from here on: one during start-up stops the node once it is up, not half-way
        GracefulExit graceful = GracefulExit.install(config.shutdown().grace());
        Node node;
        try {
            node = Node.start(config).toCompletionStage().toCompletableFuture().join();
        } catch (RuntimeException e) {
            graceful.failed();
            if (graceful.stopping()) {
                Thread.currentThread().join(); // the signal's stop exits, 0: a start-up cut by a stop is no failure
            }
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            exit("start-up failed: " + cause.getMessage());
            return;
        }
        LOG.info("Tributary " + version() + " is up, roles " + config.topology().roles() + ": "
                + node.roles().advert().toJson().encode());
        TestPatternBroadcaster broadcaster = null;
        if (demo) {
            // publishing needs a secret by default: the built-in broadcaster gets one of this process only
            String secret = node.auth().ephemeralSecret("demo");
            broadcaster = TestPatternBroadcaster.demo(node.rtmpUrl("demo") + (secret == null ? "" : "?secret=" + secret));
            broadcaster.start();
        }
        StartupSummary.of(node, demo ? "demo" : null).lines().forEach(LOG::info);
        TestPatternBroadcaster b = broadcaster;
        graceful.started(node, () -> {
            if (b != null) {
                b.close();
            }
        });
    }

    /** From the jar's manifest; "development" when run from classes. */
    static String version() {
        String v = Tributary.class.getPackage().getImplementationVersion();
        return v != null ? v : "development";
    }

    static String help() {
        String keys;
        try (java.io.InputStream in = Tributary.class.getResourceAsStream("/default.yaml")) {
            keys = in == null ? "(bundled default.yaml missing)\n"
                    : ConfigHelp.render(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            keys = "(cannot read the bundled default.yaml: " + e.getMessage() + ")\n";
        }
        return """
                Tributary %s: live streaming server (RTMP/SRT in; LL-HLS, HLS and DASH out)

                usage: java -jar tributary.jar [run|demo] [--config FILE] [--demo]

                  run              start the node (the default)
                  ctl ...          the gRPC control plane's client (java -jar tributary.jar ctl --help)
                  probe [live|ready|drain]  ask the node in this container (HTTPS with tls.cert): exit 0 on 2xx
                  demo, --demo     also publish a built-in test pattern as stream 'demo'
                  --config FILE    merge FILE over the bundled defaults (default: conf/default.yaml if present)
                  --version        print the version and exit
                  --help           this text

                Every configuration key can be set in the YAML file or from its environment variable
                (an unknown key or TRIBUTARY_* variable stops start-up). Key, variable, default:
                """.formatted(version()) + keys;
    }

    private static void exit(String message) {
        System.err.println("tributary: " + message);
        System.exit(2);
    }
}
