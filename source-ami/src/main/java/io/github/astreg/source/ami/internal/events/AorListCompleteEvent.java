package io.github.astreg.source.ami.internal.events;

import org.asteriskjava.manager.AsteriskMapping;

/** The AMI {@code AorListComplete} frame (asterisk-java has no usable class for it); headers kept by name. */
@AsteriskMapping("AorListComplete")
public final class AorListCompleteEvent extends HeaderEvent {
    private static final long serialVersionUID = 1L;

    public AorListCompleteEvent(Object source) {
        super(source);
    }
}
