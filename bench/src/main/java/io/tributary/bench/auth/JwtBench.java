package io.tributary.bench.auth;

import io.tributary.auth.AuthSettings;
import io.tributary.auth.Jwt;
import io.tributary.auth.Role;
import io.tributary.auth.SigningKeys;
import io.tributary.bench.support.BenchLock;
import io.tributary.bench.support.Machine;
import io.tributary.bench.support.Report;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Access-token verification per core (JMH, one thread): the node's whole check of a valid token
 * (split, header, kid, HMAC-SHA256, constant-time compare, payload, expiry), against the floor
 * measured in the same run: the bare HMAC-SHA256 of the same signing input with a ready Mac.
 * Also a forged token's refusal and issuing. Target: >= 50,000 verifications a second per core.
 * {@code --smoke}: one short iteration each, to see that it runs.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(1)
public class JwtBench {

    private Jwt jwt;
    private String token;
    private String forged;
    private byte[] signingInput;
    private Mac mac;

    @Setup
    public void setUp() throws Exception {
        String secret = "bench-secret-bench-secret-bench-secret!";
        SigningKeys keys = SigningKeys.load(new AuthSettings(true, "admin", "", Duration.ofMinutes(15), Duration.ofDays(30),
                secret, List.of(), 1000), Path.of("unused"));
        jwt = new Jwt(keys, Clock.systemUTC());
        token = jwt.issue("12345", "user", Role.EDITOR, "editor@example.com", Duration.ofMinutes(15));
        forged = token.substring(0, token.length() - 4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
        signingInput = token.substring(0, token.lastIndexOf('.')).getBytes(StandardCharsets.US_ASCII);
        mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    }

    @Benchmark
    public Jwt.Claims verify() {
        return jwt.verify(token);
    }

    @Benchmark
    public byte[] hmacOnly() {
        return mac.doFinal(signingInput);
    }

    @Benchmark
    public String refuseForged() {
        try {
            jwt.verify(forged);
            throw new IllegalStateException("a forged token verified");
        } catch (RuntimeException e) {
            return e.getMessage();
        }
    }

    @Benchmark
    public String issue() {
        return jwt.issue("12345", "user", Role.EDITOR, "editor@example.com", Duration.ofMinutes(15));
    }

    public static void main(String[] args) throws Exception {
        boolean smoke = List.of(args).contains("--smoke");
        OptionsBuilder options = new OptionsBuilder();
        options.include(JwtBench.class.getName() + "\\.");
        if (smoke) {
            options.warmupIterations(1).warmupTime(TimeValue.milliseconds(200)).measurementIterations(1)
                    .measurementTime(TimeValue.milliseconds(300));
        }
        Collection<RunResult> results;
        try (BenchLock lock = BenchLock.acquire("jwt")) {
            results = new Runner(options.build()).run();
        }
        Map<String, double[]> byName = new LinkedHashMap<>();
        for (RunResult r : results) {
            byName.put(r.getParams().getBenchmark().substring(JwtBench.class.getName().length() + 1),
                    new double[]{r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError()});
        }
        double floor = byName.getOrDefault("hmacOnly", new double[]{Double.NaN})[0];
        Report report = new Report("JWT verification per core (JMH)" + (smoke ? ": SMOKE RUN, not a measurement" : ""));
        report.line("`bench/run.sh jwt`: `io.tributary.bench.auth.JwtBench`, one thread. `verify` is the node's whole check of")
                .line("a valid HS256 access token (the one every authenticated API request pays); `hmacOnly` is the bare")
                .line("HMAC-SHA256 of the same signing input with a ready `Mac`, measured in the same run: the floor.")
                .line(smoke ? "Smoke run: 1 x 200 ms warm-up, 1 x 300 ms measurement." : "JMH, 1 fork, 3 x 1 s warm-up, 5 x 1 s measurement.")
                .section("Machine").line(Machine.describe())
                .section("Results")
                .line("| benchmark | ops/s | ± (99.9 %) | vs bare HMAC |")
                .line("|---|---|---|---|");
        for (Map.Entry<String, double[]> e : byName.entrySet()) {
            report.line(Report.f("| %s | %.0f | %.0f | %.2fx the rate |", e.getKey(), e.getValue()[0], e.getValue()[1],
                    e.getValue()[0] / floor));
        }
        double verify = byName.getOrDefault("verify", new double[]{Double.NaN})[0];
        report.section("Verdict")
                .line(Report.f("Verification: %.0f tokens/s on one core (target >= 50,000/s): %s.", verify,
                        verify >= 50_000 ? "met" : "NOT met"));
        report.write(Path.of(System.getProperty("tributary.root", "."), "bench/results/" + (smoke ? "jwt-smoke.md" : "jwt.md")));
    }
}
