package io.github.astreg.testkit.contract;

import io.github.astreg.core.model.ContactRecord;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointRecord;
import io.github.astreg.core.model.Location;
import io.github.astreg.core.model.NodePresence;
import io.github.astreg.core.model.NodeRecord;
import io.github.astreg.core.model.RttStats;
import io.github.astreg.core.registry.EndpointRegistry;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * What every {@link EndpointRegistry} must answer identically for the same observations, reduced to
 * comparable text (times to milliseconds, since stores differ in precision; RTT statistics to last
 * and jitter, the two every store keeps).
 */
public final class RegistryView {
    private RegistryView() {}

    /** One line per fact about the given endpoints and every node, in a stable order. */
    public static List<String> of(EndpointRegistry registry, List<EndpointId> endpoints) {
        List<String> lines = new ArrayList<>();
        for (EndpointId ep : endpoints) {
            lines.add(ep + " locate "
                    + registry.locate(ep).map(RegistryView::location).orElse("-"));
            for (Location l : registry.locateAll(ep)) {
                lines.add(ep + " locateAll " + location(l));
            }
            EndpointRecord r = registry.find(ep).orElse(null);
            if (r == null) {
                lines.add(ep + " find -");
                continue;
            }
            lines.add(ep + " deviceState " + r.deviceState());
            lines.add(ep + " rtt " + r.rtt().map(RegistryView::rtt).orElse("-"));
            for (NodePresence p : r.presence()) {
                lines.add(ep + " @" + p.node() + " endpoint="
                        + p.endpointState().map(Enum::name).orElse("-")
                        + " channels="
                        + (p.channels().isPresent() ? p.channels().getAsInt() : "-")
                        + " device=" + p.deviceState().map(Enum::name).orElse("-")
                        + " stale=" + p.stale());
                for (ContactRecord c : p.contacts()) {
                    lines.add(ep + " @" + p.node() + " contact " + c.uri() + " " + c.status()
                            + " addr=" + c.address().map(Object::toString).orElse("-")
                            + " ua=" + c.userAgent().orElse("-")
                            + " aor=" + c.aor().orElse("-")
                            + " expires="
                            + c.expiresAt()
                                    .map(t -> t.truncatedTo(ChronoUnit.MILLIS).toString())
                                    .orElse("-")
                            + " rtt=" + c.rtt().map(RegistryView::rtt).orElse("-")
                            + " live=" + c.live());
                }
            }
        }
        for (NodeRecord n : registry.nodes()) {
            lines.add("node " + n.node() + " " + n.status() + " stale=" + n.stale());
        }
        return lines;
    }

    private static String location(Location l) {
        return l.node() + " " + l.uri() + " addr="
                + l.address().map(Object::toString).orElse("-") + " registeredAt="
                + l.registeredAt().truncatedTo(ChronoUnit.MILLIS);
    }

    private static String rtt(RttStats s) {
        return "last=" + s.last().toNanos() / 1000 + "us jitter=" + s.jitter().toNanos() / 1000 + "us";
    }
}
