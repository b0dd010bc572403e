package io.github.astreg.source.ami.internal.events;

import org.asteriskjava.manager.AsteriskMapping;

/** The AMI {@code DeviceStateListComplete} frame (asterisk-java has no usable class for it); headers kept by name. */
@AsteriskMapping("DeviceStateListComplete")
public final class DeviceStateListCompleteEvent extends HeaderEvent {
    private static final long serialVersionUID = 1L;

    public DeviceStateListCompleteEvent(Object source) {
        super(source);
    }
}
