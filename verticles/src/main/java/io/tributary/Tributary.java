package io.tributary;

import io.tributary.config.ConfigException;
import io.tributary.config.ConfigHelp;
import io.tributary.config.TributaryConfig;
import io.tributary.demo.TestPatternBroadcaster;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
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
        Node node;
        try {
            node = Node.start(config).toCompletionStage().toCompletableFuture().join();
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            exit("start-up failed: " + cause.getMessage());
            return;
        }
        LOG.info("Tributary is up: RTMP rtmp://localhost:" + node.rtmpPort() + "/live/{key}, HTTP http://localhost:" + node.httpPort() + "/");
        LOG.info("roles " + config.topology().roles() + ": " + node.roles().advert().toJson().encode());
        TestPatternBroadcaster broadcaster = null;
        if (demo) {
            broadcaster = TestPatternBroadcaster.demo(node.rtmpUrl("demo"));
            broadcaster.start();
            LOG.info("demo stream: http://localhost:" + node.httpPort() + "/play/demo");
        }
        CountDownLatch stopped = new CountDownLatch(1);
        TestPatternBroadcaster b = broadcaster;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (b != null) {
                b.close();
            }
            node.close().toCompletionStage().toCompletableFuture().join();
            stopped.countDown();
        }, "tributary-shutdown"));
        stopped.await();
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
