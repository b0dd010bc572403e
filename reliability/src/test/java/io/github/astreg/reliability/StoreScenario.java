package io.github.astreg.reliability;

import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.Origin;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Hand-made observations for tests that need a store write without a source. */
final class StoreScenario {
    private StoreScenario() {}

    /** A reachable contact {@code sip:<ext>@127.0.0.1:5060} of {@code PJSIP/<ext>} on {@code node}. */
    static EndpointStateEvent contactUp(String node, String ext, long sequence) {
        EndpointId id = EndpointId.pjsip(ext);
        return new EndpointStateEvent(
                NodeId.of(node),
                Instant.now().truncatedTo(ChronoUnit.MILLIS),
                sequence,
                Origin.AMI,
                ContactChange.builder(id, "sip:" + ext + "@127.0.0.1:5060", ContactStatus.REACHABLE)
                        .aor(ext)
                        .address("127.0.0.1", 5060)
                        .rtt(Duration.ofMillis(2))
                        .expiresAt(Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MILLIS))
                        .build());
    }
}
