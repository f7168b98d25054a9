package io.tributary.session;

import io.tributary.config.Settings;

/**
 * Kafka (the {@code kafka.*} keys): playback events, content events and the transcode job dispatch;
 * an empty bootstrap turns it off (events stay on the event bus, workers poll PostgreSQL).
 *
 * @param jobsGroup the consumer group every transcode worker of every node joins
 */
public record KafkaSettings(String bootstrap, String playbackTopic, String contentTopic, String jobsTopic, String jobsGroup) {

    public static KafkaSettings from(Settings s) {
        Object bootstrap = s.optional("kafka.bootstrap");
        return new KafkaSettings(bootstrap == null ? "" : String.valueOf(bootstrap).trim(), s.string("kafka.playback-topic"),
                s.string("kafka.content-topic"), s.string("kafka.jobs-topic"), s.string("kafka.jobs-group"));
    }

    /** A String/String producer's config on these brokers; the caller adds its own acks and timing. */
    public java.util.Map<String, String> producerConfig(String clientId) {
        java.util.Map<String, String> c = new java.util.HashMap<>();
        c.put("bootstrap.servers", bootstrap);
        c.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
        c.put("value.serializer", "org.apache.kafka.common.serialization.StringSerializer");
        c.put("client.id", clientId);
        return c;
    }

    public boolean enabled() {
        return !bootstrap.isEmpty();
    }
}
