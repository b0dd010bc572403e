package io.github.astreg.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.asteriskjava.manager.AuthenticationFailedException;
import org.asteriskjava.manager.ManagerConnection;
import org.asteriskjava.manager.ManagerConnectionFactory;
import org.asteriskjava.manager.ManagerConnectionState;
import org.asteriskjava.manager.action.CoreSettingsAction;
import org.asteriskjava.manager.action.PingAction;
import org.asteriskjava.manager.event.ContactStatusEvent;
import org.asteriskjava.manager.event.DeviceStateChangeEvent;
import org.asteriskjava.manager.event.ManagerEvent;
import org.asteriskjava.manager.event.PeerStatusEvent;
import org.asteriskjava.manager.response.CoreSettingsResponse;
import org.asteriskjava.manager.response.ManagerResponse;
import org.junit.jupiter.api.Test;

/** asterisk-java 3.41.0's ManagerConnection against the fake. */
class AsteriskJavaInteropTest {

    @Test
    void managerConnectionLogsInAndReceivesEvents() throws Exception {
        try (FakeAsterisk pbx = FakeAsterisk.builder("pbx1")
                .systemName("pbx1")
                .timestampEvents(true)
                .build()
                .start()) {
            ManagerConnection conn = new ManagerConnectionFactory("127.0.0.1", pbx.amiPort(), "astreg", "astregpass")
                    .createManagerConnection();
            List<ManagerEvent> events = new CopyOnWriteArrayList<>();
            conn.addEventListener(events::add);
            try {
                conn.login("system,call");
                assertThat(conn.getState()).isEqualTo(ManagerConnectionState.CONNECTED);
                ManagerResponse pong = conn.sendAction(new PingAction(), 5000);
                assertThat(pong.getResponse()).isEqualTo("Success");
                CoreSettingsResponse settings = (CoreSettingsResponse) conn.sendAction(new CoreSettingsAction(), 5000);
                assertThat(settings.getAsteriskVersion()).isEqualTo("22.10.1");

                pbx.register("1001", Registration.from("127.0.0.1", 5061).rtt(Duration.ofNanos(744_000)));
                PollUntil.poll(
                        () -> events.stream()
                                        .filter(e -> e instanceof DeviceStateChangeEvent)
                                        .count()
                                >= 1,
                        Duration.ofSeconds(10));
                List<ManagerEvent> state = events.stream()
                        .filter(e -> e instanceof ContactStatusEvent
                                || e instanceof PeerStatusEvent
                                || e instanceof DeviceStateChangeEvent)
                        .collect(Collectors.toList());
                assertThat(state).hasSize(4);
                ContactStatusEvent first = (ContactStatusEvent) state.get(0);
                assertThat(first.getUri()).isEqualTo("sip:1001@127.0.0.1:5061");
                assertThat(first.getContactStatus()).isEqualTo("NonQualified");
                assertThat(first.getSystemName()).isEqualTo("pbx1");
                assertThat(first.getTimestamp()).isNotNull();
                assertThat(((PeerStatusEvent) state.get(1)).getPeer()).isEqualTo("PJSIP/1001");
                assertThat(((ContactStatusEvent) state.get(2)).getRoundtripUsec())
                        .isEqualTo("744");
                DeviceStateChangeEvent dev = (DeviceStateChangeEvent) state.get(3);
                assertThat(dev.getDevice()).isEqualTo("PJSIP/1001");
                assertThat(dev.getState()).isEqualTo("NOT_INUSE");
            } finally {
                conn.logoff();
            }
        }
    }

    @Test
    void wrongSecretFailsLogin() throws Exception {
        try (FakeAsterisk pbx = FakeAsterisk.builder("pbx1").build().start()) {
            ManagerConnection conn = new ManagerConnectionFactory("127.0.0.1", pbx.amiPort(), "astreg", "wrong")
                    .createManagerConnection();
            assertThatThrownBy(conn::login).isInstanceOf(AuthenticationFailedException.class);
        }
    }
}
