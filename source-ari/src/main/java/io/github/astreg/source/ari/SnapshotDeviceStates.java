package io.github.astreg.source.ari;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * Which device states a snapshot can take from {@code GET /ari/endpoints/<TECH>} instead of asking
 * {@code GET /ari/deviceStates/<TECH>%2F<resource>} once per endpoint.
 *
 * <p>Why it is exact (Asterisk's source, verified against 22's): {@code GET /ari/deviceStates/{name}}
 * answers {@code ast_device_state(name)} (res/ari/resource_device_states.c), which is the cached state
 * when there is one and otherwise the channel driver's own answer (main/devicestate.c
 * {@code _ast_device_state}). For PJSIP that answer is {@code chan_pjsip_devicestate}
 * (channels/chan_pjsip.c): it starts from the endpoint snapshot, {@code AST_ENDPOINT_OFFLINE} →
 * {@code UNAVAILABLE}, {@code AST_ENDPOINT_ONLINE} → {@code NOT_INUSE}, and when the endpoint has no
 * channels it returns that at once; channels (their states, hold, {@code device_state_busy_at}) only
 * matter when there are some. The cache holds what that function returned at the endpoint's last change,
 * because res_pjsip calls {@code ast_devstate_changed} for {@code PJSIP/<resource>} whenever it changes
 * the endpoint's state ({@code ast_sip_persistent_endpoint_update_state}). The endpoint list shows the
 * same snapshot: {@code state} is {@code ast_endpoint_state_to_string} and {@code channel_ids} lists
 * every channel except internal ones (Announcer/Recorder), which never belong to a PJSIP endpoint
 * (main/stasis_endpoints.c, res/res_stasis.c). The recordings agree: every PJSIP device-state change
 * without channels is {@code NOT_INUSE} while online and {@code UNAVAILABLE} while offline, and the
 * REST capture of an offline 1001 answers {@code UNAVAILABLE}.
 *
 * <p>What is still asked: an endpoint with channels (the state depends on them), an endpoint in state
 * {@code unknown} (chan_pjsip then answers {@code UNKNOWN}, which makes Asterisk fall back to the cache
 * and to a channel-name lookup), any state text Asterisk does not document, an entry without a
 * {@code channel_ids} array, and every technology other than PJSIP (chan_sip's {@code sip_devicestate}
 * follows the peer's address, qualify and call-limit, not the endpoint state).
 *
 * <p>Not covered: with distributed device state (res_corosync or XMPP pubsub sharing device state between
 * servers), {@code GET /ari/deviceStates} answers the aggregate over all servers, while this derivation
 * gives the node's own state (which is what astreg aggregates itself, rule R7). Both can lag each other
 * by the few milliseconds Asterisk takes to recompute a device state after an endpoint change; a live
 * event after the snapshot's time wins over either (R3).
 */
final class SnapshotDeviceStates {
    private SnapshotDeviceStates() {}

    /**
     * The device state (Asterisk's name, such as {@code NOT_INUSE}) that {@code GET /ari/deviceStates}
     * would answer for this element of {@code GET /ari/endpoints}, when the element alone determines it;
     * empty when the device must be asked.
     */
    static Optional<String> derive(JsonNode endpoint) {
        if (!"PJSIP".equals(endpoint.path("technology").asText(null))) {
            return Optional.empty();
        }
        JsonNode channels = endpoint.path("channel_ids");
        if (!channels.isArray() || channels.size() != 0) {
            return Optional.empty();
        }
        String state = endpoint.path("state").asText(null);
        if ("online".equals(state)) {
            return Optional.of("NOT_INUSE");
        }
        if ("offline".equals(state)) {
            return Optional.of("UNAVAILABLE");
        }
        return Optional.empty();
    }
}
