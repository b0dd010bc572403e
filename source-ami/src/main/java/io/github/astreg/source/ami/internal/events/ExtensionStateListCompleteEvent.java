package io.github.astreg.source.ami.internal.events;

import org.asteriskjava.manager.AsteriskMapping;

/** The AMI {@code ExtensionStateListComplete} frame (asterisk-java has no usable class for it); headers kept by name. */
@AsteriskMapping("ExtensionStateListComplete")
public final class ExtensionStateListCompleteEvent extends HeaderEvent {
    private static final long serialVersionUID = 1L;

    public ExtensionStateListCompleteEvent(Object source) {
        super(source);
    }
}
