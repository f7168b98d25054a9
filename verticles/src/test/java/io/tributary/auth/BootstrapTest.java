package io.tributary.auth;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tributary.Node;
import io.tributary.log.LogbackSetup;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

import java.net.http.HttpResponse;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A first start without a configured admin: the token in the log creates the first admin, once. */
@Timeout(180)
class BootstrapTest {

    @Test
    void theLoggedTokenCreatesTheFirstAdminOnce() {
        LogbackSetup.install();
        Logger logger = (Logger) LoggerFactory.getLogger(AuthModule.class.getName());
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        Node node = TestNode.secured(Map.of("TRIBUTARY_AUTH_ADMIN_PASSWORD", ""));
        try {
            String line = lines.list.stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains("/api/v1/auth/bootstrap"))
                    .findFirst().orElseThrow(() -> new AssertionError("no bootstrap line in " + lines.list));
            Matcher m = Pattern.compile("\"token\":\"([A-Za-z0-9_-]+)\"").matcher(line);
            assertTrue(m.find(), line);
            String token = m.group(1);
            // nobody can sign in yet, and a guessed token creates nothing
            assertEquals(401, TestNode.send(node, "POST", "/api/v1/auth/login",
                    new JsonObject().put("name", "root").put("password", "first-password").encode(), null).statusCode());
            assertEquals(403, TestNode.send(node, "POST", "/api/v1/auth/bootstrap",
                    new JsonObject().put("token", "guessed").put("name", "root").put("password", "first-password").encode(), null)
                    .statusCode());
            assertEquals(400, TestNode.send(node, "POST", "/api/v1/auth/bootstrap",
                    new JsonObject().put("token", token).put("name", "root").put("password", "short").encode(), null).statusCode());
            HttpResponse<String> created = TestNode.send(node, "POST", "/api/v1/auth/bootstrap",
                    new JsonObject().put("token", token).put("name", "root").put("password", "first-password").encode(), null);
            assertEquals(201, created.statusCode(), created.body());
            assertEquals("admin", new JsonObject(created.body()).getString("role"));
            String access = TestNode.login(node, "root", "first-password").getString("accessToken");
            assertEquals(200, TestNode.send(node, "GET", "/api/v1/verticles", null, access).statusCode());
            // the token was good once
            assertEquals(403, TestNode.send(node, "POST", "/api/v1/auth/bootstrap",
                    new JsonObject().put("token", token).put("name", "eve").put("password", "second-password").encode(), null)
                    .statusCode());
        } finally {
            logger.detachAppender(lines);
            TestNode.stop(node);
        }
    }
}
