package io.github.astreg.testkit.internal;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Something that happened on a fake node, before it is rendered to AMI or ARI. Each protocol
 * renders what it would see of it (some happenings exist in one protocol only).
 */
public interface Happening {
    /** When it happened (the node's clock). */
    Instant at();

    /** An endpoint as ARI shows it at one moment. */
    record EndpointView(String technology, String resource, String state, List<String> channelIds) {
        public EndpointView {
            channelIds = List.copyOf(channelIds);
        }

        public String id() {
            return technology + "/" + resource;
        }
    }

    /** A channel as both protocols show it at one moment. */
    record ChannelView(
            String name,
            String uniqueId,
            String linkedId,
            int state,
            String callerNum,
            String callerName,
            String connectedNum,
            String connectedName,
            String context,
            String exten,
            int priority,
            Instant created) {

        public String stateDesc() {
            return ChannelStates.describe(state);
        }
    }

    /** PJSIP security event (ChallengeSent, SuccessfulAuth) for a REGISTER or INVITE. AMI only. */
    record Security(
            Instant at, String type, String service, String accountId, String sessionId, String local, String remote)
            implements Happening {}

    /** ContactStatus / ContactStatusChange. */
    record ContactStatus(Instant at, EndpointView endpoint, String aor, String uri, String status, long rttUsec)
            implements Happening {}

    /** PeerStatus / PeerStatusChange (PJSIP). */
    record PeerStatus(Instant at, EndpointView endpoint, String status) implements Happening {}

    /** chan_sip PeerStatus (Registered, Unregistered, Reachable, Unreachable, Lagged). */
    record SipPeerStatus(
            Instant at,
            EndpointView endpoint,
            String status,
            Optional<String> address,
            Optional<String> cause,
            Optional<String> time)
            implements Happening {}

    /** EndpointStateChange (ARI only, subscribers of the endpoint or its technology). */
    record EndpointState(Instant at, EndpointView endpoint) implements Happening {}

    /** ExtensionStatus (AMI only). */
    record ExtensionStatus(Instant at, String exten, String context, String hint, int status, String statusText)
            implements Happening {}

    /** DeviceStateChange / DeviceStateChanged. */
    record DeviceState(Instant at, String device, String state) implements Happening {}

    /**
     * A channel event. {@code type} is the AMI name: Newchannel, Newstate, DialBegin, DialEnd, Hold,
     * Unhold, Hangup; ARI renderings are derived from it.
     */
    record Channel(
            Instant at,
            String type,
            ChannelView channel,
            Optional<ChannelView> dest,
            List<Map.Entry<String, String>> extra,
            Optional<String> endpointId)
            implements Happening {
        public Channel {
            extra = List.copyOf(extra);
        }
    }

    /** ARI-only channel/bridge event rendered from a template (ChannelConnectedLine, BridgeCreated...). */
    record AriOnly(
            Instant at, String type, List<ChannelView> channels, Map<String, Object> extra, List<String> endpointIds)
            implements Happening {
        public AriOnly {
            channels = List.copyOf(channels);
            extra = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(extra));
            endpointIds = List.copyOf(endpointIds);
        }
    }

    /** Reload of a module. AMI only. */
    record Reload(Instant at, String module) implements Happening {}

    /** Graceful shutdown announcement. AMI only. */
    record Shutdown(Instant at, boolean restart) implements Happening {}

    /** A user event (AMI UserEvent, ARI ChannelUserevent). Fields keep their order. */
    record UserEvent(Instant at, String name, List<Map.Entry<String, String>> fields, boolean ari)
            implements Happening {
        public UserEvent {
            fields = List.copyOf(fields);
        }
    }
}
