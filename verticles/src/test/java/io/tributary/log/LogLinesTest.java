package io.tributary.log;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import io.tributary.config.ConfigException;
import io.tributary.config.TributaryConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Events logged the way the code logs them (java.util.logging, bridged into Logback by the node's
 * set-up), written by the two formats: one line each, JSON that parses with the MDC fields.
 */
class LogLinesTest {

    private static final String LOGGER = "io.tributary.log.LogLinesTest.sample";
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private OutputStreamAppender<ILoggingEvent> appender;

    @BeforeAll
    static void install() {
        LogbackSetup.install();
    }

    @AfterEach
    void detach() {
        if (appender != null) {
            logback().detachAppender(appender);
            appender.stop();
        }
    }

    @Test
    void textIsOneLinePerEventWhateverTheMessageAndExceptionHold() {
        capture(text());
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger(LOGGER);
        try (LogContext c = LogContext.stream("cam1").session("s-42")) {
            jul.log(Level.WARNING, "a client sent\nINFO forged line\r\tand more",
                    new IllegalStateException("outer\nline", new java.io.IOException("root cause")));
        }
        jul.info("after the block");
        List<String> lines = lines();
        assertEquals(2, lines.size(), "two events, two lines: " + lines);
        String first = lines.get(0);
        assertTrue(first.contains(" WARN "), first);
        assertTrue(first.contains("a client sent\\nINFO forged line\\r\\tand more"), "escaped: " + first);
        assertTrue(first.contains("{session.id=s-42 stream.id=cam1}"), "the MDC: " + first);
        assertTrue(first.contains(" ! java.lang.IllegalStateException: outer\\nline at "), first);
        assertTrue(first.contains(" | caused by java.io.IOException: root cause"), first);
        assertFalse(lines.get(1).contains("stream.id"), "the MDC is left as it was found: " + lines.get(1));
    }

    @Test
    void jsonParsesWithEcsFieldsAndTheMdc() {
        capture(new EcsJson());
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger(LOGGER);
        try (LogContext c = LogContext.stream("cam\"2").session("s-7")) {
            jul.log(Level.SEVERE, "publication of cam\"2 failed\u2028", new IllegalArgumentException("bad \\ tag"));
        }
        List<String> lines = lines();
        assertEquals(1, lines.size(), lines.toString());
        JsonObject j = new JsonObject(lines.get(0));
        assertTrue(j.getString("@timestamp").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z"), j.encode());
        assertEquals("ERROR", j.getString("log.level"));
        assertEquals("publication of cam\"2 failed\u2028", j.getString("message"));
        assertEquals(LOGGER, j.getString("log.logger"));
        assertEquals(Thread.currentThread().getName(), j.getString("process.thread.name"));
        assertEquals("cam\"2", j.getString("stream.id"));
        assertEquals("s-7", j.getString("session.id"));
        assertEquals("java.lang.IllegalArgumentException", j.getString("error.type"));
        assertEquals("bad \\ tag", j.getString("error.message"));
        assertTrue(j.getString("error.stack_trace").contains("\tat io.tributary.log.LogLinesTest"), j.getString("error.stack_trace"));
    }

    @Test
    void jsonCarriesKeyValuesAsTypedFields() {
        capture(new EcsJson());
        LoggerFactory.getLogger(LOGGER).atInfo().addKeyValue("http.response.status_code", 404)
                .addKeyValue("url.path", "/x").log("GET /x 404");
        JsonObject j = new JsonObject(lines().get(0));
        assertEquals(404, j.getInteger("http.response.status_code"));
        assertEquals("/x", j.getString("url.path"));
    }

    @Test
    void theFormatFollowsConfiguration() {
        TributaryConfig json = TributaryConfig.load(null, Map.of("TRIBUTARY_LOG_FORMAT", "json", "TRIBUTARY_LOG_ACCESS", "true"));
        assertTrue(json.log().json());
        assertTrue(json.log().access());
        ConfigException bad = assertThrows(ConfigException.class,
                () -> TributaryConfig.load(null, Map.of("TRIBUTARY_LOG_FORMAT", "xml")));
        assertTrue(bad.getMessage().contains("log.format"), bad.getMessage());
        // applied: the node's console appender writes JSON, and the access logger opens
        try {
            LogbackSetup.apply(json.log());
            Logger root = logback().getLoggerContext().getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            var console = (ch.qos.logback.core.ConsoleAppender<ILoggingEvent>) root.getAppender(LogbackSetup.APPENDER);
            assertTrue(console.getEncoder() instanceof EcsJson);
            assertTrue(LoggerFactory.getLogger(LogbackSetup.ACCESS_LOGGER).isInfoEnabled());
        } finally {
            LogbackSetup.apply(LogFormat.DEFAULT);
        }
        assertFalse(LoggerFactory.getLogger(LogbackSetup.ACCESS_LOGGER).isInfoEnabled());
    }

    @Test
    void ffmpegMessagesBecomeEventsFromTheirLevelUp() {
        capture(text());
        Logger ffmpeg = (Logger) LoggerFactory.getLogger("ffmpeg");
        ffmpeg.addAppender(appender);
        try {
            FfmpegLog.install(org.bytedeco.ffmpeg.global.avutil.AV_LOG_WARNING);
            org.bytedeco.ffmpeg.global.avutil.av_log(null, org.bytedeco.ffmpeg.global.avutil.AV_LOG_INFO, "a banner nobody needs\n");
            org.bytedeco.ffmpeg.global.avutil.av_log(null, org.bytedeco.ffmpeg.global.avutil.AV_LOG_WARNING, "half a ");
            org.bytedeco.ffmpeg.global.avutil.av_log(null, org.bytedeco.ffmpeg.global.avutil.AV_LOG_WARNING, "warning\n");
        } finally {
            ffmpeg.detachAppender(appender);
            org.bytedeco.ffmpeg.global.avutil.av_log_set_level(org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR);
        }
        List<String> lines = lines();
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains(" WARN ") && lines.get(0).endsWith(" ffmpeg - half a warning"), lines.get(0));
    }

    @Test
    void accessTargetsHideCredentialsAndStayShort() {
        assertEquals("/live/k/index.m3u8?_HLS_msn=4&token=REDACTED&sig=REDACTED",
                AccessLog.target("/live/k/index.m3u8", "_HLS_msn=4&token=abc&sig=%%zz"));
        assertEquals("/api/v1/streams?api_key=REDACTED&x", AccessLog.target("/api/v1/streams", "api_key=s3cret&x"));
        String longOne = AccessLog.target("/p", "a=" + "x".repeat(5000));
        assertTrue(longOne.length() <= AccessLog.MAX_TARGET + 3 && longOne.endsWith("..."), longOne.length() + "");
    }

    private static Encoder<ILoggingEvent> text() {
        TextLine layout = new TextLine();
        layout.setContext(logback().getLoggerContext());
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> e = new LayoutWrappingEncoder<>();
        e.setLayout(layout);
        return e;
    }

    private void capture(Encoder<ILoggingEvent> encoder) {
        LoggerContext context = logback().getLoggerContext();
        encoder.setContext(context);
        encoder.start();
        appender = new OutputStreamAppender<>();
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.setOutputStream(out);
        appender.start();
        logback().addAppender(appender);
    }

    private List<String> lines() {
        String s = out.toString(StandardCharsets.UTF_8);
        assertTrue(s.endsWith("\n"), "each event ends its line");
        return List.of(s.substring(0, s.length() - 1).split("\n", -1));
    }

    private static Logger logback() {
        return (Logger) LoggerFactory.getLogger(LOGGER);
    }
}
