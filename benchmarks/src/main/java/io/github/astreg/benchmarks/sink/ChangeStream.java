package io.github.astreg.benchmarks.sink;

import io.github.astreg.benchmarks.core.Population;
import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceChange;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.Origin;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An endless stream of sink batches in the form the pipeline hands to sinks: merged changes (a
 * contact change carries every field, jitter and registration time included), at most one per key
 * in a batch, versions strictly increasing. Per 10 changes: 7 contact refreshes with a new RTT
 * sample and 3 device state changes of a call, over {@code endpoints} phones spread over 4 nodes.
 * Every change really changes the stored row, so a store cannot short-cut it.
 */
public final class ChangeStream {
    /** Step between the phones of consecutive changes; the number of phones must not be a multiple. */
    static final int STRIDE = 7919;

    private static final DeviceState[] CALL = {
        DeviceState.RINGING, DeviceState.INUSE, DeviceState.ONHOLD, DeviceState.INUSE, DeviceState.NOT_INUSE
    };
    private static final int RTT_VARIANTS = 4;

    private final int endpoints;
    private final NodeId[] home;
    private final ContactChange[][] contacts;
    private final DeviceChange[][] devices;
    private final int[] callPhase;
    private final int[] rttPhase;
    private long clock;
    private int cursor;
    private long produced;

    /**
     * @param endpoints how many phones the stream cycles through (must not be a multiple of 7919)
     * @param startAt observation times start at this counter (see {@link Population#at(long)})
     */
    public ChangeStream(int endpoints, long startAt) {
        if (endpoints < 1 || endpoints % STRIDE == 0) {
            throw new IllegalArgumentException("endpoints must be positive and no multiple of " + STRIDE);
        }
        this.endpoints = endpoints;
        this.clock = startAt;
        NodeId[] nodes = {NodeId.of("pbx1"), NodeId.of("pbx2"), NodeId.of("pbx3"), NodeId.of("pbx4")};
        home = new NodeId[endpoints];
        contacts = new ContactChange[endpoints][RTT_VARIANTS];
        devices = new DeviceChange[endpoints][CALL.length];
        callPhase = new int[endpoints];
        rttPhase = new int[endpoints];
        Instant registered = Population.at(0);
        Instant expires = Instant.now().plus(Duration.ofDays(1));
        for (int i = 0; i < endpoints; i++) {
            home[i] = nodes[i % nodes.length];
            String ext = Integer.toString(10_000 + i);
            EndpointId ep = EndpointId.pjsip(ext);
            for (int v = 0; v < RTT_VARIANTS; v++) {
                contacts[i][v] = ContactChange.builder(
                                ep,
                                "sip:" + ext + "@10.1." + (i >> 8 & 255) + "." + (i & 255) + ":5060",
                                ContactStatus.REACHABLE)
                        .aor(ext)
                        .address("10.1." + (i >> 8 & 255) + "." + (i & 255), 5060)
                        .userAgent("Yealink SIP-T46U 108.86.0.45")
                        .rtt(Duration.ofNanos((650 + 37L * v) * 1000))
                        .expiresAt(expires)
                        .jitter(Optional.of(Duration.ofNanos((20 + v) * 1000L)))
                        .registeredAt(Optional.of(registered))
                        .build();
            }
            for (int s = 0; s < CALL.length; s++) {
                devices[i][s] = new DeviceChange(ep, CALL[s]);
            }
        }
    }

    /** The next {@code size} changes (size at most {@code endpoints}, so no key repeats). */
    public List<EndpointStateEvent> nextBatch(int size) {
        List<EndpointStateEvent> batch = new ArrayList<>(size);
        for (int k = 0; k < size; k++) {
            batch.add(next());
        }
        return batch;
    }

    /** The next change. */
    public EndpointStateEvent next() {
        cursor = (cursor + STRIDE) % endpoints;
        int i = cursor;
        long n = ++clock;
        Instant at = Population.at(n);
        if (produced++ % 10 < 7) {
            int v = rttPhase[i];
            rttPhase[i] = (v + 1) % RTT_VARIANTS;
            return new EndpointStateEvent(home[i], at, n, Origin.POLL, contacts[i][v]);
        }
        int s = callPhase[i];
        callPhase[i] = (s + 1) % CALL.length;
        return new EndpointStateEvent(home[i], at, n, Origin.AMI, devices[i][s]);
    }

    /** The first change of every phone (contacts only): what a store holds after a cold start. */
    public List<EndpointStateEvent> initialContacts() {
        List<EndpointStateEvent> all = new ArrayList<>(endpoints);
        for (int i = 0; i < endpoints; i++) {
            long n = ++clock;
            all.add(new EndpointStateEvent(home[i], Population.at(n), n, Origin.SNAPSHOT, contacts[i][0]));
        }
        return all;
    }
}
