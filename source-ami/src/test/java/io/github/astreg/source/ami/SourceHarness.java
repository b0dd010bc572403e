package io.github.astreg.source.ami;

import io.github.astreg.core.model.ContactRecord;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointRecord;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeChange;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.NodePresence;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.testkit.FakeAsterisk;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/** A FakeAsterisk, an AmiEndpointSource watching it and an in-memory registry fed by the source. */
final class SourceHarness implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(15);

    final FakeAsterisk pbx;
    final InMemoryEndpointRegistry registry = InMemoryEndpointRegistry.create();
    final List<EndpointStateEvent> events = new CopyOnWriteArrayList<>();
    final AmiEndpointSource source;
    /** Called on the source's thread for every event, after the registry applied it. */
    volatile java.util.function.Consumer<EndpointStateEvent> tap = e -> {};

    SourceHarness(FakeAsterisk pbx, UnaryOperator<AmiSourceConfig.Builder> tweak) {
        this.pbx = pbx;
        this.source = AmiEndpointSource.create(
                tweak.apply(fastConfig(pbx, "astregpass")).build());
    }

    static AmiSourceConfig.Builder fastConfig(FakeAsterisk pbx, String secret) {
        return AmiSourceConfig.builder("127.0.0.1", pbx.amiUser(), secret)
                .port(pbx.amiPort())
                .connectTimeout(Duration.ofSeconds(2))
                .actionTimeout(Duration.ofSeconds(5))
                .keepaliveInterval(Duration.ofMillis(500))
                .readTimeout(Duration.ofSeconds(3))
                .contactPollInterval(Duration.ofSeconds(2))
                .contactPollDelay(Duration.ofMillis(50))
                .pollSpacing(Duration.ofMillis(100))
                .reconnectDelay(Duration.ofMillis(100), Duration.ofSeconds(1));
    }

    SourceHarness start() {
        source.start(e -> {
            events.add(e);
            registry.apply(e);
            tap.accept(e);
        });
        return this;
    }

    SourceHarness awaitConnected() {
        await("source connected", source::isConnected);
        return this;
    }

    NodeId node() {
        return source.node().orElseThrow();
    }

    Optional<EndpointRecord> record(String endpoint) {
        return registry.find(EndpointId.parse(endpoint));
    }

    Optional<NodePresence> presence(String endpoint) {
        return record(endpoint).flatMap(r -> r.on(node()));
    }

    /** The live (not removed) contacts of the endpoint on the node. */
    List<ContactRecord> contacts(String endpoint) {
        return presence(endpoint).map(NodePresence::contacts).orElse(List.of());
    }

    Optional<ContactRecord> contact(String endpoint, String uri) {
        return contacts(endpoint).stream().filter(c -> c.uri().equals(uri)).findFirst();
    }

    long nodeChanges(NodeStatus status) {
        return events.stream()
                .filter(e -> e.change() instanceof NodeChange && ((NodeChange) e.change()).status() == status)
                .count();
    }

    long counter(String name) {
        return source.counters().getOrDefault(name, 0L);
    }

    static void await(String what, BooleanSupplier condition) {
        await(what, condition, () -> "");
    }

    static void await(String what, BooleanSupplier condition, Supplier<String> state) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + WAIT + " waiting for: " + what + " " + state.get());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    @Override
    public void close() {
        source.close();
        pbx.close();
    }
}
