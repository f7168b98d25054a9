package io.tributary.session;

import io.tributary.config.Settings;

/** Kafka for playback events (the {@code kafka.*} keys); an empty bootstrap turns it off. */
public record KafkaSettings(String bootstrap, String playbackTopic) {

    public static KafkaSettings from(Settings s) {
        Object bootstrap = s.optional("kafka.bootstrap");
        return new KafkaSettings(bootstrap == null ? "" : String.valueOf(bootstrap).trim(), s.string("kafka.playback-topic"));
    }

    public boolean enabled() {
        return !bootstrap.isEmpty();
    }
}
