package io.github.astreg.core.model;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A change of one registered contact of an endpoint, keyed by the contact URI.
 *
 * <p>An empty optional means "this observation does not say", never "clear it": a live AMI
 * ContactStatus carries no address, the contact list does. Registries merge fields by version, so
 * the result does not depend on arrival order (R9). A {@link ContactStatus#REMOVED} change clears
 * every field older than itself.
 *
 * <p>{@code jitter} and {@code registeredAt} are derived by the registry (R8, R2) on the changes it
 * hands to sinks; sources leave them empty, and registries ignore them on input.
 *
 * @param endpoint the endpoint the contact belongs to
 * @param uri the contact URI, for example {@code sip:1001@127.0.0.1:5061}
 * @param status the contact's status
 * @param aor the address of record, when reported
 * @param address where the phone's packets come from (AMI ViaAddr/ViaPort, or the URI's host)
 * @param userAgent the phone's User-Agent header
 * @param rtt the qualify round-trip time, when this observation carries a fresh sample
 * @param expiresAt when the registration expires unless refreshed (R4)
 * @param jitter smoothed RTT jitter (registry output)
 * @param registeredAt when this registration began (registry output)
 */
public record ContactChange(
        EndpointId endpoint,
        String uri,
        ContactStatus status,
        Optional<String> aor,
        Optional<HostPort> address,
        Optional<String> userAgent,
        Optional<Duration> rtt,
        Optional<Instant> expiresAt,
        Optional<Duration> jitter,
        Optional<Instant> registeredAt)
        implements Change {

    /** Longest accepted contact URI. */
    public static final int MAX_URI_LENGTH = 512;

    /**
     * Largest accepted RTT and jitter. A qualify answer takes milliseconds (Asterisk gives up after
     * {@code qualify_timeout}, 3 s by default); anything near this is a broken or hostile peer, and
     * unbounded values would overflow the microseconds stores keep.
     */
    public static final Duration MAX_RTT = Duration.ofHours(1);

    public ContactChange {
        Checks.notNull("endpoint", endpoint);
        Checks.text("uri", uri, MAX_URI_LENGTH);
        Checks.notNull("status", status);
        Checks.notNull("aor", aor).ifPresent(a -> Checks.text("aor", a, 255));
        Checks.notNull("address", address);
        Checks.notNull("userAgent", userAgent).ifPresent(u -> Checks.text("userAgent", u, 512));
        Checks.notNull("rtt", rtt).ifPresent(r -> {
            if (r.isNegative() || r.compareTo(MAX_RTT) > 0) {
                throw Checks.invalid("rtt", r, "must be between 0 and " + MAX_RTT);
            }
        });
        Checks.notNull("expiresAt", expiresAt);
        Checks.notNull("jitter", jitter).ifPresent(j -> {
            if (j.isNegative() || j.compareTo(MAX_RTT) > 0) {
                throw Checks.invalid("jitter", j, "must be between 0 and " + MAX_RTT);
            }
        });
        Checks.notNull("registeredAt", registeredAt);
    }

    /** Starts a change with the required fields; everything else is absent until set. */
    public static Builder builder(EndpointId endpoint, String uri, ContactStatus status) {
        return new Builder(endpoint, uri, status);
    }

    /** A builder preset with every field of this change. */
    public Builder toBuilder() {
        return new Builder(endpoint, uri, status)
                .aor(aor)
                .address(address)
                .userAgent(userAgent)
                .rtt(rtt)
                .expiresAt(expiresAt)
                .jitter(jitter)
                .registeredAt(registeredAt);
    }

    @Override
    public ChangeKind kind() {
        return ChangeKind.CONTACT;
    }

    /** Builds a {@link ContactChange}; validation happens in {@link #build()}. */
    public static final class Builder {
        private final EndpointId endpoint;
        private final String uri;
        private final ContactStatus status;
        private Optional<String> aor = Optional.empty();
        private Optional<HostPort> address = Optional.empty();
        private Optional<String> userAgent = Optional.empty();
        private Optional<Duration> rtt = Optional.empty();
        private Optional<Instant> expiresAt = Optional.empty();
        private Optional<Duration> jitter = Optional.empty();
        private Optional<Instant> registeredAt = Optional.empty();

        private Builder(EndpointId endpoint, String uri, ContactStatus status) {
            this.endpoint = endpoint;
            this.uri = uri;
            this.status = status;
        }

        public Builder aor(String value) {
            return aor(Optional.of(value));
        }

        public Builder aor(Optional<String> value) {
            this.aor = value;
            return this;
        }

        public Builder address(HostPort value) {
            return address(Optional.of(value));
        }

        public Builder address(String host, int port) {
            return address(new HostPort(host, port));
        }

        public Builder address(Optional<HostPort> value) {
            this.address = value;
            return this;
        }

        public Builder userAgent(String value) {
            return userAgent(Optional.of(value));
        }

        public Builder userAgent(Optional<String> value) {
            this.userAgent = value;
            return this;
        }

        public Builder rtt(Duration value) {
            return rtt(Optional.of(value));
        }

        public Builder rtt(Optional<Duration> value) {
            this.rtt = value;
            return this;
        }

        public Builder expiresAt(Instant value) {
            return expiresAt(Optional.of(value));
        }

        public Builder expiresAt(Optional<Instant> value) {
            this.expiresAt = value;
            return this;
        }

        public Builder jitter(Optional<Duration> value) {
            this.jitter = value;
            return this;
        }

        public Builder registeredAt(Optional<Instant> value) {
            this.registeredAt = value;
            return this;
        }

        public ContactChange build() {
            return new ContactChange(
                    endpoint, uri, status, aor, address, userAgent, rtt, expiresAt, jitter, registeredAt);
        }
    }
}
