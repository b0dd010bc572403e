package io.github.astreg.sink.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.ContactRecord;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointRecord;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.NodePresence;
import io.github.astreg.core.model.RttStats;
import io.github.astreg.core.registry.EndpointRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/** Compares every answer of two registries. */
final class RegistryAssertions {
    private RegistryAssertions() {}

    /**
     * Asserts that {@code actual} answers like {@code expected} for the given endpoints and nodes.
     * RTT statistics are compared by what a store keeps (newest sample and jitter, microseconds).
     */
    static void assertSameAnswers(
            EndpointRegistry expected, EndpointRegistry actual, List<EndpointId> endpoints, List<NodeId> nodes) {
        assertThat(actual.endpoints()).as("endpoints()").isEqualTo(expected.endpoints());
        assertThat(actual.nodes()).as("nodes()").isEqualTo(expected.nodes());
        for (NodeId n : nodes) {
            assertThat(actual.endpointsOn(n)).as("endpointsOn(%s)", n).isEqualTo(expected.endpointsOn(n));
        }
        for (EndpointId ep : endpoints) {
            assertThat(actual.locateAll(ep)).as("locateAll(%s)", ep).isEqualTo(expected.locateAll(ep));
            assertThat(actual.locate(ep)).as("locate(%s)", ep).isEqualTo(expected.locate(ep));
            Optional<EndpointRecord> want = expected.find(ep);
            Optional<EndpointRecord> got = actual.find(ep);
            assertThat(got.map(RegistryAssertions::normalized))
                    .as("find(%s)", ep)
                    .isEqualTo(want.map(RegistryAssertions::normalized));
        }
    }

    /**
     * The record with RTT statistics reduced to what a store keeps, and lastUpdate and contact
     * observedAt left out: the in-memory registry counts every observation (also those that changed
     * nothing, which sinks never see), a store counts the versions it holds (also removals the
     * registry made).
     */
    static EndpointRecord normalized(EndpointRecord r) {
        List<NodePresence> presence = r.presence().stream()
                .map(p -> new NodePresence(
                        p.node(),
                        p.endpointState(),
                        p.channels(),
                        p.deviceState(),
                        p.contacts().stream()
                                .map(RegistryAssertions::normalized)
                                .toList(),
                        Instant.EPOCH,
                        p.stale()))
                .toList();
        return new EndpointRecord(r.endpoint(), presence, r.location(), r.deviceState(), normalized(r.rtt()));
    }

    private static ContactRecord normalized(ContactRecord c) {
        return new ContactRecord(
                c.node(),
                c.uri(),
                c.status(),
                c.aor(),
                c.address(),
                c.userAgent(),
                normalized(c.rtt()),
                c.expiresAt(),
                c.registeredAt(),
                Instant.EPOCH,
                c.live());
    }

    private static Optional<RttStats> normalized(Optional<RttStats> rtt) {
        return rtt.map(s -> {
            Duration jitter = s.samples() > 1 ? s.jitter().truncatedTo(ChronoUnit.MICROS) : Duration.ZERO;
            return new RttStats(s.last(), s.last(), s.last(), jitter, s.samples() > 1 ? 2 : 1);
        });
    }
}
