package io.tributary.session;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.producer.KafkaProducer;

import java.util.Map;

/**
 * The Kafka producer of an event stream that rides along with the traffic (playback events, ad events):
 * a lost event is counted by its owner, so it takes the leader's acknowledgement, batches for 20 ms and
 * never holds a caller for long when the brokers are away.
 */
public final class EventProducers {

    private EventProducers() {
    }

    /** A String/String producer on {@code kafka}'s brokers as {@code clientId}. */
    public static Future<KafkaProducer<String, String>> start(Vertx vertx, KafkaSettings kafka, String clientId) {
        Map<String, String> c = kafka.producerConfig(clientId);
        c.put("acks", "1");
        c.put("linger.ms", "20");
        c.put("max.block.ms", "2000");
        // the producer constructor resolves the brokers' addresses: off the event loop
        return vertx.executeBlocking(() -> KafkaProducer.<String, String>create(vertx, c));
    }
}
