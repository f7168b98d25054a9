package io.tributary.http;

import io.tributary.StatusException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

/** Request bodies of the JSON APIs: anything but a JSON object is a 400 saying so. */
public final class JsonBodies {

    private JsonBodies() {
    }

    public static JsonObject object(Buffer body) {
        try {
            Object v = body == null || body.length() == 0 ? null : Json.decodeValue(body);
            if (v instanceof JsonObject o) {
                return o;
            }
        } catch (DecodeException e) {
            // answered below
        }
        throw StatusException.badRequest("body: a JSON object");
    }
}
