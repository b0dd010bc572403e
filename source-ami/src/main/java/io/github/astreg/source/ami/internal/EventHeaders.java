package io.github.astreg.source.ami.internal;

import io.github.astreg.source.ami.internal.events.HeaderEvent;
import java.util.Optional;
import org.asteriskjava.manager.event.ContactStatusEvent;
import org.asteriskjava.manager.event.EndpointList;
import org.asteriskjava.manager.event.ManagerEvent;
import org.asteriskjava.manager.event.PeerEntryEvent;
import org.asteriskjava.manager.event.PeerStatusEvent;

/**
 * Turns the asterisk-java event objects this module uses back into AMI headers, so that one set of
 * pure functions ({@link AmiMapping}) maps both what asterisk-java delivers and transcript frames.
 */
public final class EventHeaders {
    private EventHeaders() {}

    /** The headers of {@code event}, or empty when it is of a type the source does not map. */
    public static Optional<Headers> of(ManagerEvent event) {
        Headers.Builder b;
        if (event instanceof HeaderEvent) {
            return Optional.of(((HeaderEvent) event).headers());
        } else if (event instanceof ContactStatusEvent) {
            ContactStatusEvent e = (ContactStatusEvent) event;
            b = Headers.builder()
                    .put("URI", e.getUri())
                    // asterisk-java reads "Unknown" as null
                    .put("ContactStatus", e.getContactStatus() == null ? "Unknown" : e.getContactStatus())
                    .put("AOR", e.getAor())
                    .put("EndpointName", e.getEndpointName())
                    .put("RoundtripUsec", e.getRoundtripUsec());
        } else if (event instanceof PeerStatusEvent) {
            PeerStatusEvent e = (PeerStatusEvent) event;
            b = Headers.builder()
                    .put("ChannelType", e.getChannelType())
                    .put("Peer", e.getPeer())
                    .put("PeerStatus", e.getPeerStatus() == null ? "Unknown" : e.getPeerStatus())
                    .put("Cause", e.getCause())
                    .put("Address", e.getAddress())
                    .put("Port", e.getPort())
                    .put("Time", e.getTime());
        } else if (event instanceof EndpointList) {
            EndpointList e = (EndpointList) event;
            b = Headers.builder()
                    .put("ObjectName", e.getObjectName())
                    .put("DeviceState", e.getDevicestate())
                    .put("ActiveChannels", e.getActiveChannels())
                    .put("Aor", e.getAor());
        } else if (event instanceof PeerEntryEvent) {
            PeerEntryEvent e = (PeerEntryEvent) event;
            b = Headers.builder()
                    .put("Channeltype", e.getChannelType())
                    .put("ObjectName", e.getObjectName())
                    .put("IPaddress", e.getIpAddress())
                    .put("IPport", e.getPort())
                    .put("Dynamic", e.getDynamic() == null ? null : (e.getDynamic() ? "yes" : "no"))
                    .put("Status", e.getStatus());
        } else {
            return Optional.empty();
        }
        b.timestamp(AmiMapping.timestamp(event.getTimestamp()).orElse(null));
        b.put("SystemName", event.getSystemName());
        return Optional.of(b.build());
    }
}
