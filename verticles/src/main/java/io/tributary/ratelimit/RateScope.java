package io.tributary.ratelimit;

/** Whose bucket a request takes from; {@link #label} names it in metrics and in Redis/Hazelcast keys. */
public enum RateScope {
    /** A signed-in user (principal kind "user"), by subject. */
    USER("user"),
    /** A machine with an API key (principal kind "apikey"), by subject. */
    API_KEY("apikey"),
    /** A caller without a user, by client address. */
    ANONYMOUS("anonymous"),
    /** Login attempts, by client address, whoever asks. */
    LOGIN("login");

    private final String label;

    RateScope(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
