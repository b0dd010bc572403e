package io.github.astreg.examples.demo;

import io.github.astreg.core.model.ContactRecord;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointRecord;
import io.github.astreg.core.model.Location;
import io.github.astreg.core.model.NodePresence;
import io.github.astreg.core.model.NodeRecord;
import io.github.astreg.core.model.RttStats;
import io.github.astreg.core.registry.EndpointRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Renders an {@link EndpointRegistry} as a fixed-width table: endpoint, node, address, contact
 * status, RTT, jitter, device state, last change. {@link #rows()} gives the same content as values
 * (what tests check); {@link #render(String)} the text; {@link #frame(String)} the text wrapped in the
 * ANSI sequences that redraw it in place on a terminal. Stateless apart from its inputs; thread-safe.
 */
public final class LiveTable {
    /** Moves the cursor home; each line clears its rest; the end clears what the last frame left. */
    static final String HOME = "\033[H";

    static final String CLEAR_LINE = "\033[K";
    static final String CLEAR_BELOW = "\033[J";
    static final String CLEAR_SCREEN = "\033[2J";

    private static final String[] HEADERS = {
        "ENDPOINT", "NODE", "ADDRESS", "CONTACT", "RTT", "JITTER", "DEVICE", "LAST CHANGE"
    };

    private final EndpointRegistry registry;
    private final Clock clock;
    private final DateTimeFormatter time;

    /**
     * One line of the table.
     *
     * @param endpoint the endpoint
     * @param node where it is located, or {@code -} when nowhere
     * @param address the located (or last known) contact's address, or {@code -}
     * @param contact the contact status ({@code REACHABLE}, {@code UNREACHABLE}, …) or {@code -}
     * @param rtt the newest qualify RTT, or {@code -}
     * @param jitter the smoothed RTT jitter, or {@code -} before a second sample
     * @param device the cluster-wide device state (R7)
     * @param lastChange the newest observation of the endpoint from any node
     */
    public record Row(
            EndpointId endpoint,
            String node,
            String address,
            String contact,
            String rtt,
            String jitter,
            String device,
            Instant lastChange) {
        public Row {
            Objects.requireNonNull(endpoint, "endpoint");
            Objects.requireNonNull(lastChange, "lastChange");
        }

        /** Whether the endpoint is registered on some node. */
        public boolean located() {
            return !node.equals("-");
        }
    }

    public LiveTable(EndpointRegistry registry, Clock clock) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.time = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT).withZone(ZoneId.systemDefault());
    }

    /** One row per endpoint the registry knows, sorted by endpoint. */
    public List<Row> rows() {
        List<Row> out = new ArrayList<>();
        Instant now = clock.instant();
        for (EndpointId id : registry.endpoints()) {
            registry.find(id).ifPresent(r -> out.add(row(r, now)));
        }
        return out;
    }

    static Row row(EndpointRecord r, Instant now) {
        Instant last = r.presence().stream()
                .map(NodePresence::lastUpdate)
                .max(Comparator.naturalOrder())
                .orElse(Instant.EPOCH);
        Optional<ContactRecord> contact;
        String node;
        if (r.location().isPresent()) {
            Location loc = r.location().get();
            node = loc.node().value();
            contact = r.on(loc.node())
                    .flatMap(p -> p.contacts().stream()
                            .filter(c -> c.uri().equals(loc.uri()))
                            .findFirst());
        } else {
            node = "-";
            // not located: show the most recent contact any node still holds (UNREACHABLE, expired, stale)
            contact = r.presence().stream()
                    .flatMap(p -> p.contacts().stream())
                    .max(Comparator.comparing(ContactRecord::observedAt));
        }
        String address =
                contact.flatMap(ContactRecord::address).map(Object::toString).orElse("-");
        String status = contact.map(c -> status(c, now)).orElse("-");
        Optional<RttStats> rtt = contact.flatMap(ContactRecord::rtt);
        return new Row(
                r.endpoint(),
                node,
                address,
                status,
                rtt.map(s -> millis(s.last())).orElse("-"),
                // one sample has no variation yet: say so instead of printing 0.0 ms
                rtt.filter(s -> s.samples() > 1).map(s -> millis(s.jitter())).orElse("-"),
                r.deviceState().name(),
                last);
    }

    /** The contact's status; a live status on a contact that cannot take calls says why. */
    static String status(ContactRecord c, Instant now) {
        if (c.live() || !c.status().isLive()) {
            return c.status().name();
        }
        if (c.expiresAt().map(e -> !e.isAfter(now)).orElse(false)) {
            return "EXPIRED";
        }
        return c.status().name() + " (stale node)";
    }

    static String millis(Duration d) {
        long us = d.toNanos() / 1000;
        return String.format(Locale.ROOT, "%d.%d ms", us / 1000, (us % 1000) / 100);
    }

    /** The table as plain text under a title line, lines separated by {@code \n}. */
    public String render(String title) {
        return String.join("\n", lines(title)) + "\n";
    }

    /** The table as one terminal frame: cursor home, every line cleared to its end, the rest cleared. */
    public String frame(String title) {
        StringBuilder b = new StringBuilder(HOME);
        for (String line : lines(title)) {
            b.append(line).append(CLEAR_LINE).append('\n');
        }
        return b.append(CLEAR_BELOW).toString();
    }

    List<String> lines(String title) {
        List<Row> rows = rows();
        Instant now = clock.instant();
        List<String[]> cells = new ArrayList<>();
        cells.add(HEADERS);
        for (Row r : rows) {
            cells.add(new String[] {
                r.endpoint().toString(),
                r.node(),
                r.address(),
                r.contact(),
                r.rtt(),
                r.jitter(),
                r.device(),
                r.lastChange().equals(Instant.EPOCH)
                        ? "-"
                        : time.format(r.lastChange()) + " (" + ago(Duration.between(r.lastChange(), now)) + ")"
            });
        }
        int[] width = new int[HEADERS.length];
        for (String[] row : cells) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        List<String> out = new ArrayList<>();
        out.addAll(List.of(title.split("\n")));
        out.add(summary(rows));
        out.add("");
        for (String[] row : cells) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                b.append(row[i]);
                if (i < row.length - 1) {
                    b.append(" ".repeat(width[i] - row[i].length() + 2));
                }
            }
            out.add(b.toString().stripTrailing());
        }
        return out;
    }

    private String summary(List<Row> rows) {
        StringBuilder b = new StringBuilder();
        List<NodeRecord> nodes = registry.nodes();
        b.append(nodes.size()).append(nodes.size() == 1 ? " node" : " nodes");
        if (!nodes.isEmpty()) {
            b.append(" (");
            for (int i = 0; i < nodes.size(); i++) {
                NodeRecord n = nodes.get(i);
                if (i > 0) {
                    b.append(", ");
                }
                b.append(n.node().value())
                        .append(' ')
                        .append(n.stale() ? "STALE" : n.status().name());
                long on = rows.stream()
                        .filter(r -> r.node().equals(n.node().value()))
                        .count();
                b.append(": ").append(on);
            }
            b.append(')');
        }
        long located = rows.stream().filter(Row::located).count();
        b.append(" | ")
                .append(rows.size())
                .append(" endpoints, ")
                .append(located)
                .append(" located");
        return b.toString();
    }

    static String ago(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s < 60) {
            return s + "s ago";
        }
        if (s < 3600) {
            return s / 60 + "m ago";
        }
        return s / 3600 + "h ago";
    }
}
