package org.asteriskjava.manager.internal;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.asteriskjava.manager.event.ManagerEvent;

/**
 * Test access to asterisk-java's package-private event builder, so tests can check what asterisk-java
 * makes of real transcript frames with this module's event classes registered.
 */
public final class AsteriskJavaEventBuilder {
    private final EventBuilderImpl builder = new EventBuilderImpl();

    public void register(Class<? extends ManagerEvent> clazz) {
        builder.registerEventClass(clazz);
    }

    /** Builds an event from frame headers the way asterisk-java's reader does (lower-case keys); null when dropped. */
    public ManagerEvent build(Map<String, String> frame) {
        Map<String, Object> attributes = new HashMap<>();
        frame.forEach((k, v) -> attributes.put(k.toLowerCase(Locale.ENGLISH), v));
        return builder.buildEvent(this, attributes);
    }
}
