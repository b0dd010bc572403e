package io.github.astreg.source.ari.internal;

import ch.loway.oss.ari4java.AriVersion;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Picks the ari4java binding for the ARI version a server reports in {@code /ari/api-docs/resources.json}.
 *
 * <p>ari4java 0.16.0 knows ARI versions up to 8.0.0 (Asterisk 20); Asterisk 21, 22 and 23 report 9, 10
 * and 11, and ari4java's own detection ({@code IM_FEELING_LUCKY}) fails on them. The rule here: the
 * exact version when ari4java has it, else the highest known version below the reported one, else
 * (a server older than every binding) the lowest known. The endpoint, contact, peer and device state
 * models astreg reads are the same in ARI 8, 10 and 11.
 */
public final class AriVersions {
    private static final List<AriVersion> KNOWN;

    static {
        List<AriVersion> known = new ArrayList<>();
        for (AriVersion v : AriVersion.values()) {
            if (v != AriVersion.IM_FEELING_LUCKY && parse(v.version()).isPresent()) {
                known.add(v);
            }
        }
        known.sort(Comparator.comparing(v -> parse(v.version()).orElseThrow(), AriVersions::compare));
        KNOWN = List.copyOf(known);
    }

    private AriVersions() {}

    /** The newest version ari4java has a binding for. */
    public static AriVersion newestKnown() {
        return KNOWN.get(KNOWN.size() - 1);
    }

    /**
     * The binding to use for a server reporting {@code apiVersion}, such as {@code 10.0.0}.
     *
     * @throws IllegalArgumentException when the text is no version ({@code major.minor[.patch]})
     */
    public static AriVersion nearest(String apiVersion) {
        int[] wanted = parse(apiVersion)
                .orElseThrow(() -> new IllegalArgumentException("not an ARI version: '" + apiVersion + "'"));
        AriVersion best = null;
        for (AriVersion v : KNOWN) {
            int[] have = parse(v.version()).orElseThrow();
            if (compare(have, wanted) <= 0) {
                best = v;
            }
        }
        return best != null ? best : KNOWN.get(0);
    }

    /** Whether ari4java has a binding for exactly this version. */
    public static boolean isExact(String apiVersion, AriVersion binding) {
        Optional<int[]> wanted = parse(apiVersion);
        return wanted.isPresent()
                && compare(wanted.get(), parse(binding.version()).orElseThrow()) == 0;
    }

    static Optional<int[]> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String[] parts = text.trim().split("\\.");
        if (parts.length < 2 || parts.length > 3) {
            return Optional.empty();
        }
        int[] out = new int[3];
        try {
            for (int i = 0; i < parts.length; i++) {
                out[i] = Integer.parseInt(parts[i]);
                if (out[i] < 0) {
                    return Optional.empty();
                }
            }
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        return Optional.of(out);
    }

    private static int compare(int[] a, int[] b) {
        for (int i = 0; i < 3; i++) {
            int c = Integer.compare(a[i], b[i]);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }
}
