package io.github.astreg.core.model;

/** The device state Asterisk reports for the endpoint's device (for example {@code PJSIP/1001}) on the node. */
public record DeviceChange(EndpointId endpoint, DeviceState state) implements Change {
    public DeviceChange {
        Checks.notNull("endpoint", endpoint);
        Checks.notNull("state", state);
    }

    @Override
    public ChangeKind kind() {
        return ChangeKind.DEVICE;
    }
}
