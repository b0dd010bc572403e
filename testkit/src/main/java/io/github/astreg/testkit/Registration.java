package io.github.astreg.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a phone sends in a REGISTER, as seen by a {@link FakeAsterisk}: where it comes from, its
 * contact URI, user agent and requested expiry, and the round-trip time of the first qualify.
 *
 * <p>Example: {@code Registration.from("127.0.0.1", 5061).userAgent("Yealink T54W").expires(3600)}.
 *
 * @param host source address of the REGISTER (ViaAddr)
 * @param port source port of the REGISTER (ViaPort)
 * @param uri contact URI; empty means {@code sip:<endpoint>@<host>:<port>}
 * @param userAgent the phone's User-Agent header
 * @param expires registration lifetime granted by the fake
 * @param rtt round-trip time of the qualify that follows the registration
 * @param callId SIP Call-ID of the registration; empty means generated
 */
public record Registration(
        String host,
        int port,
        Optional<String> uri,
        String userAgent,
        Duration expires,
        Duration rtt,
        Optional<String> callId) {

    /** Validates every field and reports all problems at once. */
    public Registration {
        List<String> problems = new ArrayList<>();
        if (host == null || host.isBlank()) {
            problems.add("host must not be blank");
        }
        if (port < 1 || port > 65535) {
            problems.add("port must be 1..65535, was " + port);
        }
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(callId, "callId");
        if (userAgent == null) {
            problems.add("userAgent must not be null");
        }
        if (expires == null || expires.isNegative() || expires.isZero()) {
            problems.add("expires must be positive");
        }
        if (rtt == null || rtt.isNegative()) {
            problems.add("rtt must not be negative");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid Registration: " + String.join("; ", problems));
        }
    }

    /** A registration from {@code host:port} with user agent {@code astreg-fake-phone}, 3600 s, RTT 500 µs. */
    public static Registration from(String host, int port) {
        return new Registration(
                host,
                port,
                Optional.empty(),
                "astreg-fake-phone",
                Duration.ofSeconds(3600),
                Duration.ofNanos(500_000),
                Optional.empty());
    }

    /** Returns a copy with the given contact URI. */
    public Registration uri(String contactUri) {
        return new Registration(host, port, Optional.of(contactUri), userAgent, expires, rtt, callId);
    }

    /** Returns a copy with the given user agent. */
    public Registration userAgent(String agent) {
        return new Registration(host, port, uri, agent, expires, rtt, callId);
    }

    /** Returns a copy with the given expiry in seconds. */
    public Registration expires(long seconds) {
        return new Registration(host, port, uri, userAgent, Duration.ofSeconds(seconds), rtt, callId);
    }

    /** Returns a copy with the given first-qualify round-trip time. */
    public Registration rtt(Duration roundTrip) {
        return new Registration(host, port, uri, userAgent, expires, roundTrip, callId);
    }

    /** Returns a copy with the given SIP Call-ID. */
    public Registration callId(String id) {
        return new Registration(host, port, uri, userAgent, expires, rtt, Optional.of(id));
    }

    /** The contact URI this registration produces for {@code endpoint}. */
    public String contactUri(String endpoint) {
        return uri.orElse("sip:" + endpoint + "@" + host + ":" + port);
    }
}
