package io.tributary.auth;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** Sign-in outcomes (never a user as a label). */
final class AuthMetrics {

    private final MeterRegistry registry;

    AuthMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void login(String outcome) {
        Counter.builder("tributary_auth_logins_total").description("password sign-ins by outcome").tag("outcome", outcome)
                .register(registry).increment();
    }

    void refresh(String outcome) {
        Counter.builder("tributary_auth_refreshes_total").description("refresh-token uses by outcome").tag("outcome", outcome)
                .register(registry).increment();
    }
}
