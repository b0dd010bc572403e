package io.github.astreg.source.ami.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/** A real AMI recording (test resource) split into frames, each tagged with the lab step it belongs to. */
final class Transcript {
    /** One frame: its headers in order, and the step (from the LabStep user events) it arrived in. */
    record Frame(Map<String, String> raw, String step) {
        Headers headers() {
            return Headers.of(raw);
        }

        String event() {
            return raw.getOrDefault("Event", "");
        }

        boolean isEvent(String name) {
            return name.equalsIgnoreCase(event());
        }

        /** A live event: no ActionID (list items carry the ActionID of their action). */
        boolean isLive() {
            return !raw.containsKey("ActionID");
        }
    }

    private final List<Frame> frames;

    private Transcript(List<Frame> frames) {
        this.frames = frames;
    }

    static Transcript load(String resource) {
        try (InputStream in = Transcript.class.getResourceAsStream("/transcripts/" + resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource /transcripts/" + resource);
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Transcript parse(String text) {
        List<Frame> out = new ArrayList<>();
        String step = "";
        Map<String, String> cur = new LinkedHashMap<>();
        for (String line : text.split("\r?\n", -1)) {
            if (line.startsWith("Asterisk Call Manager/")) {
                continue;
            }
            if (line.isEmpty()) {
                if (!cur.isEmpty()) {
                    if ("UserEvent".equals(cur.get("Event")) && "LabStep".equals(cur.get("UserEvent"))) {
                        step = cur.getOrDefault("Step", "");
                    }
                    out.add(new Frame(cur, step));
                    cur = new LinkedHashMap<>();
                }
                continue;
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                cur.putIfAbsent(
                        line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        if (!cur.isEmpty()) {
            out.add(new Frame(cur, step));
        }
        return new Transcript(out);
    }

    List<Frame> frames() {
        return frames;
    }

    List<Frame> select(Predicate<Frame> p) {
        return frames.stream().filter(p).collect(Collectors.toList());
    }

    List<Frame> events(String name) {
        return select(f -> f.isEvent(name));
    }

    List<Frame> inStep(String stepPrefix, String event) {
        return select(f -> f.step().startsWith(stepPrefix) && f.isEvent(event));
    }
}
