package io.github.astreg.reliability;

import io.github.astreg.core.model.ContactRecord;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointRecord;
import io.github.astreg.core.model.NodePresence;
import io.github.astreg.core.registry.EndpointRegistry;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a dialplan can ask a registry, reduced to what every store keeps exactly (no RTT statistics,
 * no times, which the stores hold at microsecond precision): per endpoint the location (node and
 * contact URI) and per node the endpoint state, device state and contacts (not removed) with status.
 */
final class Views {
    private Views() {}

    /** One text line per endpoint, so that a mismatch reads as a diff. */
    static Map<String, String> of(EndpointRegistry registry, Collection<EndpointId> endpoints) {
        Map<String, String> out = new LinkedHashMap<>();
        for (EndpointId id : endpoints) {
            String located = registry.locate(id)
                    .map(l -> l.node().value() + " " + l.uri())
                    .orElse("-");
            String presence = registry.find(id).map(Views::presence).orElse("unknown");
            out.put(id.toString(), "at " + located + " | " + presence);
        }
        return out;
    }

    private static String presence(EndpointRecord r) {
        return r.presence().stream()
                .sorted(Comparator.comparing(p -> p.node().value()))
                .map(Views::node)
                .collect(Collectors.joining("; "));
    }

    private static String node(NodePresence p) {
        return p.node().value() + ": " + p.endpointState().map(Enum::name).orElse("?") + "/"
                + p.deviceState().map(Enum::name).orElse("?") + " "
                + p.contacts().stream()
                        .sorted(Comparator.comparing(ContactRecord::uri))
                        .map(c -> c.uri() + "=" + c.status())
                        .collect(Collectors.joining(",", "[", "]"));
    }
}
