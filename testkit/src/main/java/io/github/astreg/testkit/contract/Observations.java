package io.github.astreg.testkit.contract;

import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceChange;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointChange;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeChange;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.model.Origin;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * Builds observations for tests, with a strictly increasing sequence like a real source.
 *
 * <pre>{@code
 * Observations obs = new Observations();
 * registry.apply(obs.registered("pbx1", "PJSIP/1001", "sip:1001@10.0.0.5:5060", now));
 * registry.apply(obs.device("pbx1", "PJSIP/1001", DeviceState.INUSE, now.plusSeconds(1)));
 * }</pre>
 *
 * Thread-safe.
 */
public final class Observations {
    private final AtomicLong sequence = new AtomicLong();
    private final Origin origin;

    /** Observations with origin {@link Origin#OTHER}. */
    public Observations() {
        this(Origin.OTHER);
    }

    public Observations(Origin origin) {
        this.origin = origin;
    }

    /** A contact observation; {@code more} may add address, user agent, RTT, expiry. */
    public EndpointStateEvent contact(
            String node,
            String endpoint,
            String uri,
            ContactStatus status,
            Instant at,
            UnaryOperator<ContactChange.Builder> more) {
        ContactChange change = more.apply(ContactChange.builder(EndpointId.parse(endpoint), uri, status))
                .build();
        return event(node, at, change);
    }

    /**
     * A REACHABLE contact whose address is taken from the URI's host and port, with user agent
     * {@code testkit}, RTT 1 ms and expiry one hour after {@code at}.
     */
    public EndpointStateEvent registered(String node, String endpoint, String uri, Instant at) {
        return contact(
                node,
                endpoint,
                uri,
                ContactStatus.REACHABLE,
                at,
                b -> b.address(UriAddress.of(uri))
                        .userAgent("testkit")
                        .aor(EndpointId.parse(endpoint).resource())
                        .rtt(Duration.ofMillis(1))
                        .expiresAt(at.plus(Duration.ofHours(1))));
    }

    /** A contact change with only a status, as a live AMI ContactStatus says it. */
    public EndpointStateEvent status(String node, String endpoint, String uri, ContactStatus status, Instant at) {
        return contact(node, endpoint, uri, status, at, b -> b);
    }

    public EndpointStateEvent removed(String node, String endpoint, String uri, Instant at) {
        return status(node, endpoint, uri, ContactStatus.REMOVED, at);
    }

    public EndpointStateEvent device(String node, String endpoint, DeviceState state, Instant at) {
        return event(node, at, new DeviceChange(EndpointId.parse(endpoint), state));
    }

    public EndpointStateEvent endpoint(String node, String endpoint, EndpointState state, int channels, Instant at) {
        return event(node, at, new EndpointChange(EndpointId.parse(endpoint), state, channels));
    }

    public EndpointStateEvent node(String node, NodeStatus status, Instant at) {
        return event(node, at, new NodeChange(status, Optional.empty(), Optional.empty()));
    }

    public EndpointStateEvent event(String node, Instant at, io.github.astreg.core.model.Change change) {
        return new EndpointStateEvent(NodeId.of(node), at, sequence.incrementAndGet(), origin, change);
    }

    /** Parses {@code host:port} out of a SIP URI such as {@code sip:1001@127.0.0.1:5061;transport=udp}. */
    static final class UriAddress {
        private UriAddress() {}

        static io.github.astreg.core.model.HostPort of(String uri) {
            String s = uri;
            int at = s.indexOf('@');
            s = at >= 0 ? s.substring(at + 1) : s.substring(s.indexOf(':') + 1);
            int semi = s.indexOf(';');
            if (semi >= 0) {
                s = s.substring(0, semi);
            }
            int colon = s.lastIndexOf(':');
            if (colon < 0) {
                return new io.github.astreg.core.model.HostPort(s, 5060);
            }
            return new io.github.astreg.core.model.HostPort(
                    s.substring(0, colon), Integer.parseInt(s.substring(colon + 1)));
        }
    }
}
