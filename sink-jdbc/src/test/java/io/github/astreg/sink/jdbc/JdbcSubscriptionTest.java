package io.github.astreg.sink.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.DeviceChange;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.Origin;
import io.github.astreg.core.registry.Subscription;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

class JdbcSubscriptionTest {
    private final DataSource ds = Databases.h2();
    private final JdbcSinkConfig config = JdbcSinkConfig.defaults();

    private static EndpointStateEvent device(long seq, DeviceState s) {
        return new EndpointStateEvent(
                NodeId.of("pbx1"),
                Instant.parse("2026-11-26T07:00:00Z"),
                seq,
                Origin.AMI,
                new DeviceChange(EndpointId.pjsip("1001"), s));
    }

    @Test
    void subscribersGetWhatTheSinkCommitsUntilTheyClose() {
        JdbcEndpointSink sink = JdbcEndpointSink.builder(ds, config).build();
        sink.start();
        JdbcEndpointRegistry registry = sink.registry();
        List<EndpointStateEvent> seen = new CopyOnWriteArrayList<>();
        Subscription s = registry.subscribe(e -> {
            seen.add(e);
            throw new IllegalStateException("a failing listener must not break the sink");
        });
        sink.write(List.of(device(1, DeviceState.INUSE)));
        assertThat(seen).containsExactly(device(1, DeviceState.INUSE));
        s.close();
        s.close();
        sink.write(List.of(device(2, DeviceState.NOT_INUSE)));
        assertThat(seen).hasSize(1);
        assertThat(registry.find(EndpointId.pjsip("1001")).orElseThrow().deviceState())
                .isEqualTo(DeviceState.NOT_INUSE);
    }

    @Test
    void aRegistryWithoutSinkDeliversNothing() {
        JdbcEndpointSink sink = JdbcEndpointSink.builder(ds, config).build();
        sink.start();
        JdbcEndpointRegistry standalone =
                JdbcEndpointRegistry.builder(ds, config).build();
        List<EndpointStateEvent> seen = new CopyOnWriteArrayList<>();
        try (Subscription s = standalone.subscribe(seen::add)) {
            sink.write(List.of(device(1, DeviceState.INUSE)));
        }
        assertThat(seen).isEmpty();
        assertThat(standalone.find(EndpointId.pjsip("1001")).orElseThrow().deviceState())
                .isEqualTo(DeviceState.INUSE);
    }
}
