package io.github.astreg.testkit.internal;

import io.github.astreg.testkit.AsteriskVersion;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * Immutable configuration of one fake node, as the public builder validated it.
 *
 * @param node node name (used in thread names and ids)
 * @param version the Asterisk flavour
 * @param systemName AMI SystemName header / RegServer; empty = not configured
 * @param timestampEvents whether AMI events carry {@code Timestamp:}
 * @param entityId ARI {@code asterisk_id}
 * @param context dialplan context of the phones and hints
 * @param endpoints endpoints in declaration order
 * @param amiUser AMI username
 * @param amiSecret AMI secret
 * @param ariUser ARI username
 * @param ariPassword ARI password
 * @param clock the node's clock
 * @param sipPort the res_pjsip UDP transport port shown in security events and TransportDetail
 */
public record NodeSpec(
        String node,
        AsteriskVersion version,
        Optional<String> systemName,
        boolean timestampEvents,
        String entityId,
        String context,
        List<EndpointSpec> endpoints,
        String amiUser,
        String amiSecret,
        String ariUser,
        String ariPassword,
        Clock clock,
        int sipPort) {

    public NodeSpec {
        endpoints = List.copyOf(endpoints);
    }

    @Override
    public String toString() {
        return "NodeSpec[" + node + ", " + version + "]";
    }

    /**
     * One configured endpoint.
     *
     * @param technology PJSIP or SIP
     * @param resource endpoint name
     * @param callerName caller id name
     * @param staticContact a static AOR contact (a trunk), always unreachable; empty for phones
     */
    public record EndpointSpec(String technology, String resource, String callerName, Optional<String> staticContact) {
        public String id() {
            return technology + "/" + resource;
        }

        public boolean hasHint() {
            return staticContact.isEmpty();
        }
    }
}
