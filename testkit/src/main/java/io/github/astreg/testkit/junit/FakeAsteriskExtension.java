package io.github.astreg.testkit.junit;

import io.github.astreg.testkit.FakeAsterisk;
import java.util.Objects;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Thin JUnit 5 glue: starts a {@link FakeAsterisk} before and closes it after. As a {@code static}
 * field it lives for the whole class; as an instance field, a fresh node per test.
 *
 * <pre>{@code
 * @RegisterExtension
 * final FakeAsteriskExtension pbx = new FakeAsteriskExtension(() -> FakeAsterisk.builder("pbx1").build());
 *
 * @Test
 * void x() {
 *     pbx.get().register("1001", Registration.from("127.0.0.1", 5061));
 * }
 * }</pre>
 *
 * <p>Needs {@code org.junit.jupiter:junit-jupiter-api} on the test class path (an optional
 * dependency of the testkit).
 */
public final class FakeAsteriskExtension
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private final Supplier<FakeAsterisk> factory;
    private FakeAsterisk node;
    private boolean classScoped;

    /** @param factory builds (but does not start) the node */
    public FakeAsteriskExtension(Supplier<FakeAsterisk> factory) {
        this.factory = Objects.requireNonNull(factory, "factory");
    }

    /** The running node. */
    public FakeAsterisk get() {
        if (node == null) {
            throw new IllegalStateException("FakeAsterisk not started (use @RegisterExtension)");
        }
        return node;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        classScoped = true;
        node = factory.get().start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (!classScoped) {
            node = factory.get().start();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!classScoped) {
            stop();
        }
    }

    private void stop() {
        if (node != null) {
            node.close();
            node = null;
        }
    }
}
