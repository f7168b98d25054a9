package io.tributary.vod;

import io.tributary.session.KafkaSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.kafka.admin.NewTopic;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * VOD on Kafka, when {@code kafka.bootstrap} is set: content events on {@code kafka.content-topic}
 * and jobs on {@code kafka.jobs-topic}, both keyed by asset (so one asset's records stay in order
 * on one partition). The jobs topic is read by every transcode worker of every node in one consumer
 * group: a job goes to one of them, which still claims its row in PostgreSQL, so the guarantees
 * (never two workers on a job, a lapsed lease retried) are the catalog's, and Kafka only carries
 * the news that a job waits.
 */
final class VodKafka {

    private static final Logger LOG = Logger.getLogger(VodKafka.class.getName());
    /** Partitions of a topic this node creates: the most workers one group can spread a burst over. */
    static final int JOB_PARTITIONS = 16;

    private final Vertx vertx;
    private final KafkaSettings settings;
    private KafkaProducer<String, String> producer;

    private VodKafka(Vertx vertx, KafkaSettings settings) {
        this.vertx = vertx;
        this.settings = settings;
    }

    /** Connects the producer and makes sure the jobs topic exists; null when Kafka is not configured. */
    static Future<VodKafka> start(Vertx vertx, KafkaSettings settings) {
        if (!settings.enabled()) {
            return Future.succeededFuture();
        }
        VodKafka k = new VodKafka(vertx, settings);
        Map<String, String> c = settings.producerConfig("tributary-vod");
        c.put("acks", "all"); // a job record must not be lost to a leader change
        c.put("enable.idempotence", "true");
        c.put("max.block.ms", "5000");
        return vertx.executeBlocking(() -> KafkaProducer.<String, String>create(vertx, c))
                .onSuccess(p -> k.producer = p)
                .compose(p -> k.ensureTopics())
                .map(k);
    }

    /**
     * Creates the jobs and content topics with {@link #JOB_PARTITIONS} partitions unless they exist
     * (a first record must not wait for the brokers to auto-create its topic). Never fails the start:
     * another node may have created them meanwhile, or the brokers are away for now (the workers then
     * find jobs through the catalog's poll).
     */
    private Future<Void> ensureTopics() {
        KafkaAdminClient admin = KafkaAdminClient.create(vertx, Map.of("bootstrap.servers", settings.bootstrap(),
                "default.api.timeout.ms", "10000", "request.timeout.ms", "5000"));
        return admin.listTopics()
                .compose(topics -> {
                    List<NewTopic> missing = Stream.of(settings.jobsTopic(), settings.contentTopic()).distinct()
                            .filter(t -> !topics.contains(t))
                            // replication from the brokers' default.replication.factor (-1)
                            .map(t -> new NewTopic(t, JOB_PARTITIONS, (short) -1).setConfig(Map.of()))
                            .toList();
                    return missing.isEmpty() ? Future.<Void>succeededFuture() : admin.createTopics(missing);
                })
                .recover(e -> {
                    LOG.log(Level.INFO, "Kafka topics " + settings.jobsTopic() + ", " + settings.contentTopic() + " not created: "
                            + e.getMessage());
                    return Future.succeededFuture();
                })
                .eventually(admin::close);
    }

    void contentEvent(String asset, JsonObject event) {
        send(settings.contentTopic(), asset, event);
    }

    /** Tells the workers that {@code job} of {@code asset} waits. */
    Future<Void> dispatch(long job, String asset) {
        return send(settings.jobsTopic(), asset, new JsonObject().put("job", job).put("asset", asset));
    }

    private Future<Void> send(String topic, String key, JsonObject value) {
        KafkaProducer<String, String> p = producer;
        if (p == null) {
            return Future.succeededFuture();
        }
        return p.send(KafkaProducerRecord.create(topic, key, value.encode())).<Void>mapEmpty().onFailure(e ->
                LOG.log(Level.WARNING, "Kafka did not take a record for " + topic + " (" + key + "): " + e.getMessage()));
    }

    /** A consumer of the jobs topic in the workers' group; one record per poll, offsets committed by the worker. */
    KafkaConsumer<String, String> jobsConsumer(Vertx on, String clientId) {
        Map<String, String> c = new HashMap<>();
        c.put("bootstrap.servers", settings.bootstrap());
        c.put("group.id", settings.jobsGroup());
        c.put("client.id", clientId);
        c.put("key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
        c.put("value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
        c.put("enable.auto.commit", "false");
        c.put("auto.offset.reset", "earliest");
        c.put("max.poll.records", "1");
        // a transcode holds its record for as long as it runs; the consumer is paused meanwhile (polls continue)
        c.put("max.poll.interval.ms", "300000");
        return KafkaConsumer.create(on, c);
    }

    Set<String> topics() {
        return Set.of(settings.jobsTopic());
    }

    Future<Void> close() {
        KafkaProducer<String, String> p = producer;
        producer = null;
        return p == null ? Future.succeededFuture() : p.close(2000);
    }
}
