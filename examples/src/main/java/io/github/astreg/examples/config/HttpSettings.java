package io.github.astreg.examples.config;

import java.util.Objects;
import java.util.Optional;

/**
 * The {@code http:} block: where the lookup service listens.
 *
 * @param bind the address (default {@code 127.0.0.1})
 * @param port the port (default 8080; 0 = any free port)
 * @param bearerToken when present, required on every route but {@code /health}
 */
public record HttpSettings(String bind, int port, Optional<String> bearerToken) {
    public HttpSettings {
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(bearerToken, "bearerToken");
    }

    @Override
    public String toString() {
        return "HttpSettings[bind=" + bind + ", port=" + port + (bearerToken.isPresent() ? ", bearerToken=***" : "")
                + "]";
    }
}
