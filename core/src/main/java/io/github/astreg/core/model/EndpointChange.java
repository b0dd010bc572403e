package io.github.astreg.core.model;

import java.util.OptionalInt;

/**
 * The endpoint's own state on the reporting node: ONLINE/OFFLINE/UNKNOWN, and how many channels it
 * has, when the source knows it (AMI PeerStatus does not; EndpointList and ARI do). REMOVED says the
 * endpoint no longer exists on that node.
 */
public record EndpointChange(EndpointId endpoint, EndpointState state, OptionalInt channels) implements Change {
    public EndpointChange {
        Checks.notNull("endpoint", endpoint);
        Checks.notNull("state", state);
        Checks.notNull("channels", channels);
        if (channels.isPresent() && channels.getAsInt() < 0) {
            throw Checks.invalid("channels", channels.getAsInt(), "must be >= 0");
        }
    }

    public EndpointChange(EndpointId endpoint, EndpointState state, int channels) {
        this(endpoint, state, OptionalInt.of(channels));
    }

    public EndpointChange(EndpointId endpoint, EndpointState state) {
        this(endpoint, state, OptionalInt.empty());
    }

    @Override
    public ChangeKind kind() {
        return ChangeKind.ENDPOINT;
    }
}
