package io.github.astreg.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.testkit.junit.FakeAsteriskExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class FakeAsteriskExtensionTest {
    @RegisterExtension
    static final FakeAsteriskExtension SHARED =
            new FakeAsteriskExtension(() -> FakeAsterisk.builder("shared").build());

    @RegisterExtension
    final FakeAsteriskExtension perTest =
            new FakeAsteriskExtension(() -> FakeAsterisk.builder("pertest").build());

    @Test
    void bothNodesRunning() throws Exception {
        assertThat(SHARED.get().isUp()).isTrue();
        assertThat(perTest.get().isUp()).isTrue();
        perTest.get().register("1001", Registration.from("127.0.0.1", 5061));
        try (AmiTestClient c = new AmiTestClient(perTest.get().amiPort())) {
            assertThat(c.banner).startsWith("Asterisk Call Manager/");
        }
    }

    @Test
    void perTestNodeIsFresh() {
        assertThat(perTest.get().contactUris("1001")).isEmpty();
    }
}
