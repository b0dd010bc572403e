package io.github.astreg.source.ari.internal;

import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The contacts a source has heard of and not seen removed, with the time Asterisk reported each.
 *
 * <p>ARI cannot list contacts, yet a resync snapshot must mention every contact that still exists, or
 * the registry removes it at SNAPSHOT_END (R6). So the source re-asserts remembered contacts in each
 * snapshot, with their original timestamps (they can never overrule anything newer), for endpoints the
 * snapshot shows ONLINE or UNKNOWN; of an OFFLINE endpoint only UNREACHABLE contacts are kept (still
 * registered, not answering qualify), the others must have gone while the link was down and are
 * forgotten. Confined to the source's thread.
 */
public final class ContactMemory {
    /** A remembered contact and when Asterisk reported it. */
    public record Remembered(Instant observedAt, ContactChange change) {}

    private final Map<EndpointId, Map<String, Remembered>> contacts = new HashMap<>();

    /** Records a live observation: remembered unless REMOVED, which forgets the contact. */
    public void observe(Instant observedAt, ContactChange change) {
        if (change.status() == ContactStatus.REMOVED) {
            Map<String, Remembered> m = contacts.get(change.endpoint());
            if (m != null) {
                m.remove(change.uri());
                if (m.isEmpty()) {
                    contacts.remove(change.endpoint());
                }
            }
            return;
        }
        Map<String, Remembered> m = contacts.computeIfAbsent(change.endpoint(), k -> new LinkedHashMap<>());
        Remembered old = m.get(change.uri());
        if (old == null || !old.observedAt().isAfter(observedAt)) {
            m.put(change.uri(), new Remembered(observedAt, merge(old, change)));
        }
    }

    /**
     * What to re-assert for an endpoint the snapshot shows in {@code state}; forgets the contacts it
     * drops.
     */
    public List<Remembered> reassert(EndpointId endpoint, EndpointState state) {
        Map<String, Remembered> m = contacts.get(endpoint);
        if (m == null) {
            return List.of();
        }
        if (state == EndpointState.OFFLINE || state == EndpointState.REMOVED) {
            m.values().removeIf(r -> r.change().status() != ContactStatus.UNREACHABLE);
            if (m.isEmpty()) {
                contacts.remove(endpoint);
                return List.of();
            }
        }
        return new ArrayList<>(m.values());
    }

    /** Forgets every contact of endpoints the snapshot did not list at all. */
    public void retainOnly(java.util.Set<EndpointId> listed) {
        contacts.keySet().retainAll(listed);
    }

    public int size() {
        return contacts.values().stream().mapToInt(Map::size).sum();
    }

    private static ContactChange merge(Remembered old, ContactChange now) {
        if (old == null) {
            return now;
        }
        // keep what an older observation said and this one does not (aor, address); RTT is a sample
        ContactChange before = old.change();
        ContactChange.Builder b = now.toBuilder();
        if (now.aor().isEmpty()) {
            b.aor(before.aor());
        }
        if (now.address().isEmpty()) {
            b.address(before.address());
        }
        return b.build();
    }
}
