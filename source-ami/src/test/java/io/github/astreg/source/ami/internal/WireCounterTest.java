package io.github.astreg.source.ami.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.source.ami.internal.events.DeviceStateItemEvent;
import org.asteriskjava.manager.event.ContactStatusEvent;
import org.asteriskjava.manager.event.PeerStatusEvent;
import org.junit.jupiter.api.Test;

class WireCounterTest {

    @Test
    void typeNamesFollowAsteriskJavasMapping() {
        assertThat(WireCounter.typeName(ContactStatusEvent.class)).isEqualTo("contactstatus");
        assertThat(WireCounter.typeName(PeerStatusEvent.class)).isEqualTo("peerstatus");
        assertThat(WireCounter.typeName(DeviceStateItemEvent.class)).isEqualTo("devicestatechange");
    }

    @Test
    void periodicChecksOnlyCountFramesReadBeforeThePreviousCheck() {
        WireCounter w = new WireCounter();
        w.onLine("Event: ContactStatus");
        w.onLine("Event: UserEvent");
        w.onLine("URI: sip:1001@127.0.0.1:5061");
        w.onLine(null);
        // nothing compared yet: these frames may still be on their way to the listener
        assertThat(w.lost(false).count()).isZero();
        w.onDelivered(new ContactStatusEvent(this));
        WireCounter.Lost lost = w.lost(false);
        assertThat(lost.count()).isEqualTo(1);
        assertThat(lost.types()).containsExactly("userevent");
        // reported once, not again
        assertThat(w.lost(false).count()).isZero();
        w.onLine("Event: UserEvent");
        assertThat(w.lost(true).count())
                .as("at the end every frame read must have arrived")
                .isEqualTo(1);
    }

    @Test
    void deliveredFramesAreNotLost() {
        WireCounter w = new WireCounter();
        for (int i = 0; i < 5; i++) {
            w.onLine("Event: PeerStatus");
            w.onDelivered(new PeerStatusEvent(this));
        }
        assertThat(w.lost(true).count()).isZero();
    }
}
