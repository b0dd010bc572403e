package io.github.astreg.sink.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.astreg.core.json.EventJson;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.Location;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.NodeRecord;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.testkit.contract.Observations;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.util.JedisClusterCRC16;

/** What the store looks like to a reader with no library: a dialplan, redis-cli, another language. */
class KeyLayoutIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> AWKWARD = List.of(
            "with space",
            "o'brien",
            "quote\"d",
            "br{ace}s",
            "}{",
            "{1001}",
            "co:lo:n",
            "back\\slash",
            "per%cent*glob?",
            "ünïcødé-电话-☎",
            "emoji-\uD83D\uDCDE");

    private final Observations obs = new Observations();

    @RegisterExtension
    final RedisScratch redis = new RedisScratch();

    private RedisEndpointSink sink(RedisSinkConfig config, java.time.Clock clock) {
        RedisEndpointSink s = RedisEndpointSink.builder(config).clock(clock).build();
        s.start();
        redis.closeAfter(s);
        return s;
    }

    private RedisEndpointRegistry registry(RedisSinkConfig config, java.time.Clock clock) {
        RedisEndpointRegistry r =
                RedisEndpointRegistry.builder(config).clock(clock).build();
        redis.closeAfter(r);
        return r;
    }

    @Test
    void awkwardNamesSurviveKeysFieldsValuesAndReads() throws Exception {
        RedisSinkConfig config = RedisTestSupport.config(redis.prefix()).build();
        RedisEndpointSink sink = sink(config, java.time.Clock.systemUTC());
        RedisEndpointRegistry registry = registry(config, java.time.Clock.systemUTC());
        InMemoryEndpointRegistry reference = InMemoryEndpointRegistry.create();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        String node = "pbx.eu_1-" + redis.prefix().substring(12, 20);
        List<EndpointStateEvent> changes = new ArrayList<>(reference.apply(obs.node(node, NodeStatus.UP, now)));
        List<EndpointId> ids = new ArrayList<>();
        for (String name : AWKWARD) {
            EndpointId id = new EndpointId("PJSIP", name);
            ids.add(id);
            String uri = "sip:" + name + "@10.0.0.1:5060;x=\"{y}\"";
            changes.addAll(reference.apply(obs.registered(node, id.toString(), uri, now.minusSeconds(5))));
            changes.addAll(reference.apply(obs.endpoint(node, id.toString(), EndpointState.ONLINE, 1, now)));
        }
        sink.write(changes);

        for (EndpointId id : ids) {
            String name = id.resource();
            String uri = "sip:" + name + "@10.0.0.1:5060;x=\"{y}\"";
            // keys exactly as documented, byte for byte
            assertThat(redis.raw().get(redis.prefix() + "loc:{PJSIP/" + name + "}"))
                    .as(name)
                    .isEqualTo(node);
            Map<String, String> hash = redis.raw().hgetAll(redis.prefix() + "ep:{PJSIP/" + name + "}");
            assertThat(hash).containsKeys("c:" + node + ":" + uri, "e:" + node);
            JsonNode stored = JSON.readTree(hash.get("c:" + node + ":" + uri));
            assertThat(stored.get("v").asText()).hasSize(46);
            assertThat(stored.get("k").asInt()).isEqualTo(1);
            EndpointStateEvent event = EventJson.fromTree(stored.get("event"));
            assertThat(event.endpoint()).contains(id);
            // both keys of one endpoint share a Cluster slot
            assertThat(JedisClusterCRC16.getSlot(redis.keys().location(id)))
                    .isEqualTo(JedisClusterCRC16.getSlot(redis.keys().endpoint(id)));
            // and the registry reads the same names back
            assertThat(registry.locate(id).map(Location::uri)).contains(uri);
            assertThat(registry.find(id).orElseThrow().endpoint()).isEqualTo(id);
        }
        assertThat(registry.endpoints()).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(registry.endpointsOn(NodeId.of(node)))
                .containsExactlyElementsOf(reference.endpointsOn(NodeId.of(node)));
        assertThat(redis.raw().smembers(redis.keys().endpointIndex())).hasSize(AWKWARD.size());
    }

    @Test
    void ttlsFollowExpiryHeartbeatAndRetention() throws Exception {
        RedisSinkConfig config = RedisTestSupport.config(redis.prefix())
                .heartbeatTtl(Duration.ofSeconds(20))
                .tombstoneRetention(Duration.ofMinutes(2))
                .build();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        RedisEndpointSink sink = sink(config, java.time.Clock.systemUTC());
        EndpointId phone = EndpointId.parse("PJSIP/ttl");
        String uri = "sip:ttl@10.0.0.1:5060";
        sink.write(List.of(
                obs.node("pbx1", NodeStatus.UP, now),
                obs.contact(
                        "pbx1",
                        phone.toString(),
                        uri,
                        ContactStatus.REACHABLE,
                        now,
                        b -> b.expiresAt(now.plusSeconds(60)))));
        // location expires with the contact; the hash when the contact's expiry plus retention passed
        assertThat(redis.raw().pttl(redis.keys().location(phone))).isBetween(55_000L, 60_000L);
        assertThat(redis.raw().pttl(redis.keys().endpoint(phone))).isBetween(175_000L, 180_000L);
        // heartbeat key: status readable by a dialplan, gone heartbeatTtl after the heartbeat
        assertThat(redis.raw().hget(redis.keys().node(NodeId.of("pbx1")), "status"))
                .isEqualTo("UP");
        assertThat(redis.raw().pttl(redis.keys().node(NodeId.of("pbx1")))).isBetween(15_000L, 20_000L);
        assertThat(redis.raw().hget(redis.keys().nodes(), "pbx1")).contains("\"status\":\"UP\"");

        // an endpoint state does not expire: the hash no longer does either
        sink.write(List.of(obs.endpoint("pbx1", phone.toString(), EndpointState.ONLINE, 0, now)));
        assertThat(redis.raw().pttl(redis.keys().endpoint(phone))).isEqualTo(-1L);

        // removal: no location any more, the field stays as a versioned tombstone
        sink.write(List.of(obs.removed("pbx1", phone.toString(), uri, now.plusSeconds(1))));
        assertThat(redis.raw().exists(redis.keys().location(phone))).isFalse();
        JsonNode tomb = JSON.readTree(
                redis.raw().hget(redis.keys().endpoint(phone), RedisKeys.contactField(NodeId.of("pbx1"), uri)));
        assertThat(tomb.get("k").asInt()).isEqualTo(2);
        assertThat(tomb.get("event").get("change").get("status").asText()).isEqualTo("REMOVED");
    }

    @Test
    void tombstonesArePurgedOnceTheRetentionPassed() throws Exception {
        RedisSinkConfig config = RedisTestSupport.config(redis.prefix())
                .tombstoneRetention(Duration.ofMinutes(10))
                .build();
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        MutableClock clock = new MutableClock(t0);
        RedisEndpointSink sink = sink(config, clock);
        String phone = "PJSIP/purge";
        String uri = "sip:purge@10.0.0.1:5060";
        String field = RedisKeys.contactField(NodeId.of("pbx1"), uri);
        String key = redis.keys().endpoint(EndpointId.parse(phone));
        sink.write(List.of(
                obs.registered("pbx1", phone, uri, t0),
                obs.device("pbx1", phone, io.github.astreg.core.model.DeviceState.NOT_INUSE, t0)));
        sink.write(List.of(obs.removed("pbx1", phone, uri, t0.plusSeconds(1))));
        // within the retention a late, older registration is refused (R3)
        clock.advance(Duration.ofMinutes(5));
        sink.write(List.of(obs.registered("pbx1", phone, uri, t0.plusMillis(500))));
        assertThat(JSON.readTree(redis.raw().hget(key, field)).get("k").asInt()).isEqualTo(2);
        // after it the tombstone is dropped at the next contact write of the endpoint
        clock.advance(Duration.ofMinutes(6));
        sink.write(List.of(obs.registered("pbx1", phone, "sip:purge@10.0.0.2:5060", clock.instant())));
        assertThat(redis.raw().hexists(key, field)).isFalse();
        assertThat(redis.raw().hexists(key, RedisKeys.deviceField(NodeId.of("pbx1"))))
                .isTrue();
    }

    @Test
    void aNodeWhoseHeartbeatKeyExpiredIsStale() throws Exception {
        RedisSinkConfig config = RedisTestSupport.config(redis.prefix())
                .heartbeatTtl(Duration.ofMillis(800))
                .staleAfter(Duration.ofMinutes(5)) // only the key's expiry can make it stale here
                .build();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        RedisEndpointSink sink = sink(config, java.time.Clock.systemUTC());
        RedisEndpointRegistry registry = registry(config, java.time.Clock.systemUTC());
        String phone = "PJSIP/hb";
        InMemoryEndpointRegistry reference = InMemoryEndpointRegistry.create();
        sink.write(reference.applyAll(List.of(
                obs.node("quiet", NodeStatus.UP, now),
                obs.node("chatty", NodeStatus.UP, now),
                obs.registered("chatty", phone, "sip:hb@10.0.0.2:5060", now.minusSeconds(20)),
                obs.registered("quiet", phone, "sip:hb@10.0.0.1:5060", now.minusSeconds(10)))));
        EndpointId id = EndpointId.parse(phone);
        assertThat(registry.locate(id).map(Location::node)).contains(NodeId.of("quiet"));
        // chatty keeps sending heartbeats, quiet does not
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (redis.raw().exists(redis.keys().node(NodeId.of("quiet"))) && System.nanoTime() < deadline) {
            sink.write(List.of(obs.node("chatty", NodeStatus.UP, Instant.now())));
            Thread.sleep(100);
        }
        assertThat(redis.raw().exists(redis.keys().node(NodeId.of("quiet")))).isFalse();
        assertThat(registry.nodes())
                .extracting(n -> n.node().value() + " " + n.status() + " stale=" + n.stale())
                .containsExactly("chatty UP stale=false", "quiet UP stale=true");
        assertThat(registry.locate(id).map(Location::node)).contains(NodeId.of("chatty"));
        // the dialplan's key ignores staleness (documented): still the newest registration
        assertThat(redis.raw().get(redis.keys().location(id))).isEqualTo("quiet");
        // a node never heard of is not stale
        sink.write(List.of(obs.registered("unknown", "PJSIP/other", "sip:o@10.0.0.3:5060", now)));
        assertThat(registry.find(EndpointId.parse("PJSIP/other"))
                        .orElseThrow()
                        .presence()
                        .get(0)
                        .stale())
                .isFalse();
        assertThat(registry.nodes()).extracting(NodeRecord::node).doesNotContain(NodeId.of("unknown"));
    }
}
