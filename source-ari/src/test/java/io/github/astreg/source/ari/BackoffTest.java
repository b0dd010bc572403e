package io.github.astreg.source.ari;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void doublesWithJitterAndStaysCapped() {
        Duration min = Duration.ofMillis(500);
        Duration max = Duration.ofSeconds(30);
        for (int i = 0; i < 200; i++) {
            assertThat(AriEndpointSource.backoffMillis(1, min, max)).isBetween(400L, 600L);
            assertThat(AriEndpointSource.backoffMillis(2, min, max)).isBetween(800L, 1200L);
            assertThat(AriEndpointSource.backoffMillis(4, min, max)).isBetween(3200L, 4800L);
            assertThat(AriEndpointSource.backoffMillis(10, min, max)).isBetween(24_000L, 30_000L);
            assertThat(AriEndpointSource.backoffMillis(1_000_000, min, max)).isBetween(24_000L, 30_000L);
        }
    }
}
