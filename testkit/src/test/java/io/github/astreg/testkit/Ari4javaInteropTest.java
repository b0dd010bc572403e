package io.github.astreg.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import ch.loway.oss.ari4java.ARI;
import ch.loway.oss.ari4java.AriVersion;
import ch.loway.oss.ari4java.generated.models.Application;
import ch.loway.oss.ari4java.generated.models.DeviceStateChanged;
import ch.loway.oss.ari4java.generated.models.Endpoint;
import ch.loway.oss.ari4java.generated.models.EndpointStateChange;
import ch.loway.oss.ari4java.generated.models.Message;
import ch.loway.oss.ari4java.tools.AriConnectionEvent;
import ch.loway.oss.ari4java.tools.AriWSCallback;
import ch.loway.oss.ari4java.tools.BaseAriAction;
import ch.loway.oss.ari4java.tools.RestException;
import ch.loway.oss.ari4java.tools.http.NettyHttpClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** ari4java 0.16.0 (netty websocket client) against the fake: REST, websocket, subscriptions, events. */
class Ari4javaInteropTest {

    @Test
    void ari4javaListsEndpointsOpensWebsocketAndReceivesEvents() throws Exception {
        BaseAriAction.setObjectMapperLessStrict();
        try (FakeAsterisk pbx =
                FakeAsterisk.builder("pbx1").systemName("pbx1").build().start()) {
            pbx.register("1001", Registration.from("127.0.0.1", 5061));
            NettyHttpClient http = new NettyHttpClient();
            http.initialize(pbx.ariUrl(), "astreg", "astregpass");
            try {
                ARI ari = new ARI();
                ari.setHttpClient(http);
                ari.setWsClient(http);
                ari.setVersion(AriVersion.ARI_8_0_0);
                ari.setAppName("astreg");

                List<Endpoint> endpoints = ari.endpoints().list().execute();
                assertThat(endpoints).hasSize(10);
                assertThat(endpoints.get(0).getTechnology()).isEqualTo("PJSIP");
                assertThat(endpoints.get(0).getResource()).isEqualTo("1001");
                assertThat(endpoints.get(0).getState()).isEqualTo("online");
                assertThat(ari.asterisk().getInfo().execute().getSystem().getVersion())
                        .isEqualTo("22.10.1");

                List<Message> events = new CopyOnWriteArrayList<>();
                List<AriConnectionEvent> connection = new CopyOnWriteArrayList<>();
                ari.eventsCallback(
                        new AriWSCallback<Message>() {
                            @Override
                            public void onConnectionEvent(AriConnectionEvent event) {
                                connection.add(event);
                            }

                            @Override
                            public void onSuccess(Message result) {
                                events.add(result);
                            }

                            @Override
                            public void onFailure(RestException e) {
                                // unknown event types land here; none expected in this test
                            }
                        },
                        false);
                PollUntil.poll(() -> connection.contains(AriConnectionEvent.WS_CONNECTED), Duration.ofSeconds(10));
                assertThat(pbx.ariWebsockets()).isEqualTo(1);

                Application app =
                        ari.applications().subscribe("astreg", "endpoint:PJSIP").execute();
                assertThat(app.getEndpoint_ids()).containsExactly("PJSIP");
                ari.applications().subscribe("astreg", "deviceState:").execute();

                pbx.unreachable("1001");
                PollUntil.poll(() -> events.size() >= 4, Duration.ofSeconds(10));
                assertThat(events.stream().map(Message::getType).collect(Collectors.toList()))
                        .containsExactly(
                                "EndpointStateChange", "PeerStatusChange", "ContactStatusChange", "DeviceStateChanged");
                assertThat(((EndpointStateChange) events.get(0)).getEndpoint().getState())
                        .isEqualTo("offline");
                assertThat(((DeviceStateChanged) events.get(3))
                                .getDevice_state()
                                .getState())
                        .isEqualTo("UNAVAILABLE");
            } finally {
                http.destroy();
            }
        }
    }
}
