package io.github.astreg.source.ari;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** The real ARI recordings in {@code /work/shared/asterisk-transcripts} (override with -Dastreg.transcripts). */
final class Transcripts {
    static final Path DIR = Path.of(System.getProperty("astreg.transcripts", "/work/shared/asterisk-transcripts"));

    private Transcripts() {}

    static boolean available() {
        return Files.isRegularFile(DIR.resolve("ari-events.jsonl"));
    }

    static List<String> lines(String relative) {
        try {
            return Files.readAllLines(DIR.resolve(relative), StandardCharsets.UTF_8).stream()
                    .filter(l -> !l.isBlank())
                    .collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(String relative) {
        try {
            return Files.readString(DIR.resolve(relative), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
