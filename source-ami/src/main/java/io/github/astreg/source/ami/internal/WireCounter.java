package io.github.astreg.source.ami.internal;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.asteriskjava.manager.AsteriskMapping;
import org.asteriskjava.manager.event.ManagerEvent;
import org.asteriskjava.manager.event.UserEvent;

/**
 * Finds the events asterisk-java drops without telling its listeners (no class for the type, a full
 * queue, a frame it cannot build): the socket counts {@code Event:} lines per type, the listener
 * counts what it receives per type, and {@link #lost(boolean)} compares them.
 *
 * <p>Frames read before the previous check must have been delivered by now (delivery takes
 * microseconds; checks are seconds apart); at the end of a connection every frame read has been
 * delivered, since asterisk-java delivers its DisconnectEvent last. One instance per connection.
 */
public final class WireCounter {
    /** Frames read, by their {@code Event:} line as read. */
    private final ConcurrentHashMap<String, LongAdder> read = new ConcurrentHashMap<>();

    private final ConcurrentHashMap<String, LongAdder> delivered = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Class<?>, String> typeNames = new ConcurrentHashMap<>();
    private final Map<String, Long> reported = new HashMap<>();
    private Map<String, Long> readAtLastCheck = Map.of();
    private final java.util.function.Consumer<String> onJunk;
    /** The last {@code Event:} line read and its counter; touched by the reader thread only. */
    private String lastLine;

    private LongAdder lastAdder;

    /** A counter that ignores lines that are no AMI header. */
    public WireCounter() {
        this(line -> {});
    }

    /**
     * @param onJunk called with every non-empty line that is no {@code Name: value} header (and not
     *     the banner): asterisk-java skips those without a word, so they would go uncounted
     */
    public WireCounter(java.util.function.Consumer<String> onJunk) {
        this.onJunk = onJunk;
    }

    /** Called by the socket (asterisk-java's one reader thread of the connection) for every line it reads. */
    public void onLine(String line) {
        if (line != null && !line.isEmpty() && line.indexOf(':') < 0 && !line.startsWith("Asterisk Call Manager")) {
            onJunk.accept(line);
            return;
        }
        if (line != null && line.length() > 6 && line.regionMatches(true, 0, "Event:", 0, 6)) {
            // counted by the line as read (this runs on asterisk-java's reader thread for every frame);
            // folded into lower-case types only when compared
            // (one reader thread per connection: the last line's counter spares a hash lookup in a
            // stream of events of one type)
            LongAdder n = lastAdder;
            if (n == null || !line.equals(lastLine)) {
                n = read.computeIfAbsent(line, k -> new LongAdder());
                lastLine = line;
                lastAdder = n;
            }
            n.increment();
        }
    }

    /** Called by the listener for every event asterisk-java delivers. */
    public void onDelivered(ManagerEvent event) {
        String type = typeNames.computeIfAbsent(event.getClass(), WireCounter::typeName);
        delivered.computeIfAbsent(type, k -> new LongAdder()).increment();
    }

    /** The AMI event name asterisk-java maps to {@code clazz}, lower case (as its EventBuilder does). */
    static String typeName(Class<?> clazz) {
        if (UserEvent.class.isAssignableFrom(clazz)) {
            return "userevent";
        }
        AsteriskMapping m = clazz.getAnnotation(AsteriskMapping.class);
        if (m != null) {
            return m.value().toLowerCase(Locale.ROOT);
        }
        String n = clazz.getSimpleName().toLowerCase(Locale.ROOT);
        return n.endsWith("event") && n.length() > 5 ? n.substring(0, n.length() - 5) : n;
    }

    /** Frames lost since the last call, per type, and which types lost frames for the first time. */
    public record Lost(long count, Set<String> types) {}

    /**
     * Compares frames read with frames delivered.
     *
     * @param final_ true at the end of the connection (every frame read has been delivered); false
     *     for a periodic check (only frames read before the previous check are compared)
     */
    public synchronized Lost lost(boolean final_) {
        Map<String, Long> now = snapshot(read);
        Map<String, Long> basis = final_ ? now : readAtLastCheck;
        long total = 0;
        Set<String> types = new TreeSet<>();
        for (Map.Entry<String, Long> e : basis.entrySet()) {
            LongAdder d = delivered.get(e.getKey());
            long missing = e.getValue() - (d == null ? 0 : d.sum());
            long before = reported.getOrDefault(e.getKey(), 0L);
            if (missing > before) {
                total += missing - before;
                reported.put(e.getKey(), missing);
                types.add(e.getKey());
            }
        }
        readAtLastCheck = now;
        return new Lost(total, types);
    }

    /** Frames read per lower-case type, from the counts per {@code Event:} line. */
    private static Map<String, Long> snapshot(Map<String, LongAdder> m) {
        Map<String, Long> out = new HashMap<>();
        m.forEach((line, v) -> out.merge(line.substring(6).trim().toLowerCase(Locale.ROOT), v.sum(), Long::sum));
        return out;
    }
}
