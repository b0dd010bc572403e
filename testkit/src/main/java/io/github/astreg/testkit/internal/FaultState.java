package io.github.astreg.testkit.internal;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Fault switches shared by a node's servers. Thread-safe. */
public final class FaultState {
    private volatile Duration responseDelay = Duration.ZERO;
    private final Map<String, String> failingActions = new ConcurrentHashMap<>();

    public Duration responseDelay() {
        return responseDelay;
    }

    public void responseDelay(Duration d) {
        this.responseDelay = d;
    }

    /** Makes every AMI action {@code action} (case-insensitive) fail with {@code message}. */
    public void failAction(String action, String message) {
        failingActions.put(action.toLowerCase(Locale.ROOT), message);
    }

    /** An HTTP error for ARI requests whose path starts with a prefix. */
    public record AriError(int status, String message) {}

    private final Map<String, AriError> ariErrors = new ConcurrentHashMap<>();

    /** Answers ARI requests whose path starts with {@code pathPrefix} with {@code status}. */
    public void failAri(String pathPrefix, int status, String message) {
        ariErrors.put(pathPrefix, new AriError(status, message));
    }

    public Optional<AriError> ariFailure(String path) {
        for (Map.Entry<String, AriError> e : ariErrors.entrySet()) {
            if (path.startsWith(e.getKey())) {
                return Optional.of(e.getValue());
            }
        }
        return Optional.empty();
    }

    public void clearFailures() {
        failingActions.clear();
        ariErrors.clear();
    }

    public Optional<String> failure(String action) {
        return Optional.ofNullable(failingActions.get(action.toLowerCase(Locale.ROOT)));
    }

    public void reset() {
        responseDelay = Duration.ZERO;
        failingActions.clear();
        ariErrors.clear();
    }
}
