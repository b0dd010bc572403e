package io.github.astreg.sink.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.Location;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.Origin;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

class JdbcEndpointRegistryTest {
    @Test
    void aHandEditedRowIsSkippedNotFatal() throws SQLException {
        DataSource ds = Databases.h2();
        JdbcEndpointSink sink =
                JdbcEndpointSink.builder(ds, JdbcSinkConfig.defaults()).build();
        sink.start();
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        EndpointId phone = EndpointId.pjsip("1001");
        sink.write(List.of(new EndpointStateEvent(
                NodeId.of("pbx1"),
                t,
                1,
                Origin.AMI,
                ContactChange.builder(phone, "sip:1001@10.0.0.1:5060", ContactStatus.REACHABLE)
                        .registeredAt(Optional.of(t))
                        .build())));
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            // what no astreg writer produces: an unknown status, a node id with a space, no technology
            s.execute("INSERT INTO astreg_contact (node, endpoint, uri, status, observed_at, seq)"
                    + " VALUES ('pbx2', 'PJSIP/1001', 'sip:x@y', 'BOGUS', CURRENT_TIMESTAMP, 1)");
            s.execute("INSERT INTO astreg_contact (node, endpoint, uri, status, observed_at, seq)"
                    + " VALUES ('bad node', 'PJSIP/1001', 'sip:x@z', 'REACHABLE', CURRENT_TIMESTAMP, 1)");
            s.execute("INSERT INTO astreg_endpoint (node, endpoint, endpoint_state, observed_at, seq,"
                    + " device_state, device_observed_at, device_seq)"
                    + " VALUES ('pbx1', 'no-technology', 'ONLINE', CURRENT_TIMESTAMP, 1, NULL, CURRENT_TIMESTAMP, 0)");
        }
        JdbcEndpointRegistry registry = sink.registry();
        assertThat(registry.locateAll(phone)).extracting(Location::node).containsExactly(NodeId.of("pbx1"));
        assertThat(registry.find(phone).orElseThrow().presence())
                .extracting(p -> p.node().value())
                .containsExactly("pbx1");
        assertThat(registry.endpoints()).containsExactly(phone);
        assertThat(registry.malformedRows()).isGreaterThanOrEqualTo(4);
    }
}
