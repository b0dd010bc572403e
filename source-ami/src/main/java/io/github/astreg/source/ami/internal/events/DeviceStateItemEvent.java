package io.github.astreg.source.ami.internal.events;

import org.asteriskjava.manager.AsteriskMapping;

/** The AMI {@code DeviceStateChange} frame (asterisk-java has no usable class for it); headers kept by name. */
@AsteriskMapping("DeviceStateChange")
public final class DeviceStateItemEvent extends HeaderEvent {
    private static final long serialVersionUID = 1L;

    public DeviceStateItemEvent(Object source) {
        super(source);
    }

    public void setDevice(HeaderValue v) {
        header("Device", v);
    }

    public void setState(HeaderValue v) {
        header("State", v);
    }
}
