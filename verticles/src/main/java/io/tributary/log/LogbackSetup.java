package io.tributary.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Logback's configuration, in code (found through {@code META-INF/services}, so no XML is parsed at
 * start-up): one console appender on standard output writing {@link TextLine}s, JUL bridged in with
 * its levels kept in step with Logback's, and the libraries' start-up noise that means nothing to an
 * operator held back. {@link #apply} switches the format, the level and the access log from config.
 */
public final class LogbackSetup extends ContextAwareBase implements Configurator {

    static final String APPENDER = "console";
    /** Where {@link AccessLog} writes; off unless {@code log.access} is true. */
    public static final String ACCESS_LOGGER = "tributary.access";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        // JUL levels follow Logback's: a disabled JUL call costs a level check, not a bridged event
        LevelChangePropagator levels = new LevelChangePropagator();
        levels.setContext(context);
        levels.setResetJUL(true);
        levels.start();
        context.addListener(levels);

        context.addTurboFilter(new ExpectedNoise());
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName(APPENDER);
        console.setEncoder(encoder(context, false));
        console.start();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(console);
        quiet(context);

        // java.util.logging (our code, and anything else using it) into SLF4J
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** Levels of libraries that say at INFO what an operator does not need. */
    private static void quiet(LoggerContext context) {
        // Hazelcast's ASCII-art logo (there is no property to skip it in 5.3); its INFO start-up
        // lines (Jet, TPC, integrity checker, diagnostics, security hints) are about features we
        // leave off. Membership changes stay: they matter when a cluster forms or loses a member.
        context.getLogger("com.hazelcast.system.logo").setLevel(Level.OFF);
        context.getLogger("com.hazelcast").setLevel(Level.WARN);
        context.getLogger("com.hazelcast.internal.cluster").setLevel(Level.INFO);
        // the embedded PostgreSQL echoes initdb and server output line by line; Postgres logs when it is ready
        context.getLogger("io.zonky.test").setLevel(Level.WARN);
        // Kafka's clients print their whole configuration (dozens of lines) at INFO on every start
        context.getLogger("org.apache.kafka.clients.producer.ProducerConfig").setLevel(Level.WARN);
        context.getLogger("org.apache.kafka.clients.consumer.ConsumerConfig").setLevel(Level.WARN);
        context.getLogger("org.apache.kafka.common.utils.AppInfoParser").setLevel(Level.WARN);
        context.getLogger(ACCESS_LOGGER).setLevel(Level.OFF);
    }

    private static Encoder<ILoggingEvent> encoder(LoggerContext context, boolean json) {
        Encoder<ILoggingEvent> encoder;
        if (json) {
            encoder = new EcsJson();
        } else {
            TextLine layout = new TextLine();
            layout.setContext(context);
            layout.start();
            LayoutWrappingEncoder<ILoggingEvent> wrapping = new LayoutWrappingEncoder<>();
            wrapping.setLayout(layout);
            encoder = wrapping;
        }
        encoder.setContext(context);
        encoder.start();
        return encoder;
    }

    /**
     * Routes everything to Logback before the first library logs: Vert.x told to use SLF4J, and
     * Logback initialised now (which bridges JUL). Idempotent.
     */
    public static void install() {
        if (System.getProperty("vertx.logger-delegate-factory-class-name") == null) {
            System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
        }
        org.slf4j.LoggerFactory.getILoggerFactory();
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
    }

    /** The node's {@code log.*} settings: format, root level, access log. */
    public static void apply(LogFormat format) {
        if (!(org.slf4j.LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return; // another SLF4J provider (an embedding application's): its configuration rules
        }
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (root.getAppender(APPENDER) instanceof ConsoleAppender<ILoggingEvent> console) {
            boolean json = console.getEncoder() instanceof EcsJson;
            if (json != format.json()) {
                // the appender stays (its stream and lock): only what it writes changes
                Encoder<ILoggingEvent> old = console.getEncoder();
                console.setEncoder(encoder(context, format.json()));
                old.stop();
            }
        }
        root.setLevel(Level.toLevel(format.level(), Level.INFO));
        context.getLogger(ACCESS_LOGGER).setLevel(format.access() ? Level.INFO : Level.OFF);
    }

    /**
     * Warnings every start prints that are expected and harmless: Hazelcast's note that the CP
     * subsystem (Raft data structures, which Tributary does not use) is off; that a one-member
     * cluster (cluster.enabled: false) has no join method, which is the point of it; and
     * Micrometer's note that a vertx.* gauge was registered again: vertx-micrometer registers its
     * gauges once per client or consumer sharing an id and keeps one value per id, by design.
     */
    static final class ExpectedNoise extends TurboFilter {

        static final String MICROMETER_REGISTRY = "io.micrometer.core.instrument.MeterRegistry";
        static final String VERTX_GAUGE_AGAIN = "This Gauge has been already registered (MeterId{name='vertx.";

        /** Hazelcast puts "[address] [cluster] [version] " before its message: matched inside. */
        @Override
        public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
            if (format == null) {
                return FilterReply.NEUTRAL;
            }
            if (level == Level.WARN && logger.getName().startsWith("com.hazelcast")
                    && (format.contains("] CP Subsystem is not enabled") || format.contains("] No join method is enabled"))) {
                return FilterReply.DENY;
            }
            if (logger.getName().equals(MICROMETER_REGISTRY) && format.startsWith(VERTX_GAUGE_AGAIN)) {
                return FilterReply.DENY;
            }
            return FilterReply.NEUTRAL;
        }
    }
}
