package io.tributary.control;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/** The node's scalable verticle sets, as the command address sees them (ops' scaler implements it). */
public interface VerticleSets {

    /** Redeploys set {@code name} with {@code instances} verticles; fails with a 400/404/409 {@code StatusException}. */
    Future<JsonObject> scale(String name, int instances);

    /** {@code {"sets": [{"name", "instances"}], "retiring": n}}. */
    JsonObject describe();
}
