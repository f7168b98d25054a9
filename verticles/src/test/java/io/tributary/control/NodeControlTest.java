package io.tributary.control;

import io.tributary.StatusException;
import io.tributary.config.TributaryConfig;
import io.tributary.live.LiveStreams;
import io.tributary.ops.VerticleScaler;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A node's command address on one Vert.x: what each command does, and how a bad one fails. */
@ExtendWith(VertxExtension.class)
class NodeControlTest {

    private static final String SELF = "node-a";

    private LiveStreams streams;

    /** A verticle with nothing to do: the scaler's sets need something to deploy. */
    static final class Idle extends VerticleBase {
    }

    @BeforeEach
    void start(Vertx vertx, VertxTestContext ctx) {
        streams = new LiveStreams(vertx, TributaryConfig.load(null, Map.of()), (s, r, f) -> { });
        VerticleScaler scaler = new VerticleScaler(vertx);
        NodeControl control = new NodeControl(vertx, SELF, streams, scaler);
        scaler.deploy("idle", Idle::new, 1).compose(id -> control.start()).onComplete(ctx.succeedingThenComplete());
    }

    private static Future<JsonObject> ask(Vertx vertx, Object command) {
        return vertx.eventBus().request(NodeControl.address(SELF), command).map(m -> (JsonObject) m.body());
    }

    @Test
    void drainAndUndrainAnswerWithTheNodesState(Vertx vertx, VertxTestContext ctx) {
        ask(vertx, NodeControl.drain()).compose(drained -> {
            ctx.verify(() -> {
                assertEquals("DRAINING", drained.getString("status"));
                assertEquals(SELF, drained.getString("node"));
                assertTrue(streams.draining());
                assertFalse(streams.acceptsPublish("new-key"));
            });
            return ask(vertx, NodeControl.undrain());
        }).onComplete(ctx.succeeding(up -> ctx.verify(() -> {
            assertEquals("UP", up.getString("status"));
            assertFalse(streams.draining());
            assertTrue(streams.acceptsPublish("new-key"));
            ctx.completeNow();
        })));
    }

    @Test
    void scaleChangesTheSetAndDescribeShowsIt(Vertx vertx, VertxTestContext ctx) {
        ask(vertx, NodeControl.scale("idle", 3)).compose(scaled -> {
            ctx.verify(() -> assertEquals(new JsonObject().put("name", "idle").put("instances", 3).put("previous", 1)
                    .put("generation", 1).put("node", SELF), scaled));
            return ask(vertx, NodeControl.describe());
        }).onComplete(ctx.succeeding(d -> ctx.verify(() -> {
            assertEquals(SELF, d.getString("node"));
            assertEquals(new JsonObject().put("name", "idle").put("instances", 3), d.getJsonArray("sets").getJsonObject(0));
            assertFalse(d.getBoolean("draining"));
            assertEquals(0, d.getInteger("streams"));
            ctx.completeNow();
        })));
    }

    @Test
    void aBadCommandFailsWith400NamingTheProblem(Vertx vertx, VertxTestContext ctx) {
        Object[][] cases = {
                {"drain", "a command is a JSON object"},
                {new JsonObject(), "a command needs \"command\": one of scale, drain, undrain, describe, kick"},
                {new JsonObject().put("command", 7), "a command needs \"command\""},
                {new JsonObject().put("command", "reboot"), "unknown command 'reboot' (known: scale, drain, undrain, describe, kick)"},
                {new JsonObject().put("command", "scale").put("instances", 2), "scale needs \"set\""},
                {new JsonObject().put("command", "scale").put("set", "idle").put("instances", "2"), "scale needs \"instances\""},
                {NodeControl.scale("idle", 65), "instances must be an integer from 1 to 64"},
                {NodeControl.scale("transcoder", 2), "no verticle set named 'transcoder' (known: idle)"}};
        List<Future<?>> all = new ArrayList<>();
        for (Object[] c : cases) {
            all.add(vertx.eventBus().request(NodeControl.address(SELF), c[0]).transform(ar -> {
                ctx.verify(() -> {
                    assertTrue(ar.failed(), c[0] + " succeeded: " + (ar.succeeded() ? ((Message<?>) ar.result()).body() : ""));
                    ReplyException e = (ReplyException) ar.cause();
                    assertEquals(ReplyFailure.RECIPIENT_FAILURE, e.failureType());
                    assertEquals(400, e.failureCode(), e.getMessage());
                    assertTrue(e.getMessage().contains((String) c[1]), e.getMessage());
                });
                return Future.succeededFuture();
            }));
        }
        Future.all(all).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void replyFailuresMapBackToHttpStatuses() {
        StatusException busy = ControlFailure.of("b", new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 409, "'edge' is being scaled already"), 1000);
        assertEquals(409, busy.status());
        assertEquals("node b: 'edge' is being scaled already", busy.getMessage());
        StatusException late = ControlFailure.of("b", new ReplyException(ReplyFailure.TIMEOUT, "timed out"), 1000);
        assertEquals(503, late.status());
        assertTrue(late.getMessage().contains("did not answer within 1000 ms"), late.getMessage());
        assertEquals(503, ControlFailure.of("b", new ReplyException(ReplyFailure.NO_HANDLERS, "none"), 1000).status());
        // a code outside HTTP's error range is not passed on as a status
        assertEquals(500, ControlFailure.of("b", new ReplyException(ReplyFailure.RECIPIENT_FAILURE, -1, "odd"), 1000).status());
        StatusException missing = StatusException.notFound("no node 'x' in the cluster");
        assertEquals(missing, ControlFailure.of("x", missing, 1000));
    }
}
