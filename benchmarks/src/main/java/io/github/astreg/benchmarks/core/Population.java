package io.github.astreg.benchmarks.core;

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
import io.github.astreg.core.model.Origin;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * A registry filled the way a real cluster fills it: {@code endpoints} phones spread over
 * {@code nodes} nodes, each with one live contact (address, user agent, expiry, a few RTT samples),
 * an ONLINE endpoint and a NOT_INUSE device; every fifth phone also has a second, older registration
 * on the next node (a phone that moved), so {@code locate} has to choose.
 *
 * <p>{@link #at(long)} turns a counter into a strictly increasing observation time, so benchmarks
 * can keep producing newer observations without allocating anything else.
 */
public final class Population {
    /** Observation times start here (2026-11-26T00:00:00Z). */
    public static final long BASE_EPOCH_SECOND = 1_795_651_200L;

    private final NodeId[] nodes;
    private final EndpointId[] endpoints;
    private final String[] uris;
    private final InMemoryEndpointRegistry registry;
    private long clock;

    private Population(int nodeCount, int endpointCount, Clock registryClock) {
        nodes = new NodeId[nodeCount];
        for (int i = 0; i < nodeCount; i++) {
            nodes[i] = NodeId.of("pbx" + (i + 1));
        }
        endpoints = new EndpointId[endpointCount];
        uris = new String[endpointCount];
        for (int i = 0; i < endpointCount; i++) {
            String ext = Integer.toString(10_000 + i);
            endpoints[i] = EndpointId.pjsip(ext);
            uris[i] = "sip:" + ext + "@10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255) + ":5060";
        }
        registry = InMemoryEndpointRegistry.builder().clock(registryClock).build();
    }

    /** Builds and fills a registry; the registry's clock is the system clock, so contacts are live now. */
    public static Population create(int nodeCount, int endpointCount) {
        return create(nodeCount, endpointCount, Clock.systemUTC());
    }

    /** Builds and fills a registry on {@code registryClock}, which must show the current time. */
    public static Population create(int nodeCount, int endpointCount, Clock registryClock) {
        Population p = new Population(nodeCount, endpointCount, registryClock);
        p.fill();
        return p;
    }

    private void fill() {
        Instant expires = Instant.now().plus(Duration.ofDays(1));
        for (NodeId node : nodes) {
            registry.apply(new EndpointStateEvent(
                    node, next(), clock, Origin.SNAPSHOT, NodeChange.up(Instant.ofEpochSecond(BASE_EPOCH_SECOND))));
        }
        for (int i = 0; i < endpoints.length; i++) {
            NodeId home = nodeOf(i);
            if (i % 5 == 0 && nodes.length > 1) {
                // an older registration of the same phone on the next node
                NodeId previous = nodes[(i + 1) % nodes.length];
                registry.apply(event(previous, contactPoll(i, "sip:old-" + i + "@192.0.2.1:5060", 900, expires)));
            }
            for (int s = 0; s < 4; s++) {
                registry.apply(event(home, contactPoll(i, uris[i], 700 + 31 * s, expires)));
            }
            registry.apply(event(home, new EndpointChange(endpoints[i], EndpointState.ONLINE, 0)));
            registry.apply(event(home, new DeviceChange(endpoints[i], DeviceState.NOT_INUSE)));
        }
    }

    /** What one row of a PJSIPShowContacts poll says about phone {@code i}. */
    public ContactChange contactPoll(int i, String uri, long rttMicros, Instant expiresAt) {
        return ContactChange.builder(endpoints[i], uri, ContactStatus.REACHABLE)
                .aor(endpoints[i].resource())
                .address("10.1." + (i >> 8 & 255) + "." + (i & 255), 5060)
                .userAgent("Yealink SIP-T46U 108.86.0.45")
                .rtt(Duration.ofNanos(rttMicros * 1000))
                .expiresAt(expiresAt)
                .build();
    }

    /** What a live AMI ContactStatus says about phone {@code i}: status and RTT only. */
    public ContactChange contactStatus(int i, ContactStatus status, long rttMicros) {
        return ContactChange.builder(endpoints[i], uris[i], status)
                .aor(endpoints[i].resource())
                .rtt(Duration.ofNanos(rttMicros * 1000))
                .build();
    }

    /** An observation of {@code change} by {@code node}, newer than every one made before. */
    public EndpointStateEvent event(NodeId node, io.github.astreg.core.model.Change change) {
        return new EndpointStateEvent(node, next(), clock, Origin.AMI, change);
    }

    private Instant next() {
        return at(++clock);
    }

    /** The observation time for counter value {@code n}: one microsecond per step from the base. */
    public static Instant at(long n) {
        return Instant.ofEpochSecond(BASE_EPOCH_SECOND + n / 1_000_000, (n % 1_000_000) * 1_000);
    }

    /** The counter value the next observation should use to be newer than everything applied so far. */
    public long clock() {
        return clock;
    }

    public NodeId nodeOf(int endpoint) {
        return nodes[endpoint % nodes.length];
    }

    public NodeId[] nodes() {
        return nodes.clone();
    }

    public EndpointId endpoint(int i) {
        return endpoints[i];
    }

    public String uri(int i) {
        return uris[i];
    }

    public int size() {
        return endpoints.length;
    }

    public InMemoryEndpointRegistry registry() {
        return registry;
    }
}
