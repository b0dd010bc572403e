package io.github.astreg.core;

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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/** Terse event construction for core's tests (testkit has the public equivalent). */
public final class Events {
    public static final Instant T0 = Instant.parse("2026-11-26T05:32:55Z");
    private final AtomicLong seq = new AtomicLong();

    public static Instant t(long seconds) {
        return T0.plusSeconds(seconds);
    }

    public EndpointStateEvent contact(
            String node,
            String ep,
            String uri,
            ContactStatus s,
            Instant at,
            UnaryOperator<ContactChange.Builder> more) {
        return event(
                node,
                at,
                more.apply(ContactChange.builder(EndpointId.parse(ep), uri, s)).build());
    }

    public EndpointStateEvent contact(String node, String ep, String uri, ContactStatus s, Instant at) {
        return contact(node, ep, uri, s, at, b -> b);
    }

    public EndpointStateEvent registered(String node, String ep, String uri, String host, int port, Instant at) {
        return contact(
                node,
                ep,
                uri,
                ContactStatus.REACHABLE,
                at,
                b -> b.address(host, port).userAgent("ua").expiresAt(at.plus(Duration.ofHours(1))));
    }

    public EndpointStateEvent removed(String node, String ep, String uri, Instant at) {
        return contact(node, ep, uri, ContactStatus.REMOVED, at);
    }

    public EndpointStateEvent rtt(String node, String ep, String uri, long micros, Instant at) {
        return contact(node, ep, uri, ContactStatus.REACHABLE, at, b -> b.rtt(Duration.ofNanos(micros * 1000)));
    }

    public EndpointStateEvent device(String node, String ep, DeviceState s, Instant at) {
        return event(node, at, new DeviceChange(EndpointId.parse(ep), s));
    }

    public EndpointStateEvent endpoint(String node, String ep, EndpointState s, int channels, Instant at) {
        return event(node, at, new EndpointChange(EndpointId.parse(ep), s, channels));
    }

    public EndpointStateEvent node(String node, NodeStatus s, Instant at) {
        return event(node, at, NodeChange.of(s));
    }

    public EndpointStateEvent event(String node, Instant at, io.github.astreg.core.model.Change c) {
        return new EndpointStateEvent(NodeId.of(node), at, seq.incrementAndGet(), Origin.AMI, c);
    }
}
