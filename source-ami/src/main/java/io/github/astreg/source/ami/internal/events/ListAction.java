package io.github.astreg.source.ami.internal.events;

import org.asteriskjava.manager.action.AbstractManagerAction;
import org.asteriskjava.manager.action.EventGeneratingAction;
import org.asteriskjava.manager.event.ResponseEvent;

/**
 * A list action asterisk-java has no class for: {@code DeviceStateList} (answered with
 * DeviceStateChange items and DeviceStateListComplete) and {@code ExtensionStateList}.
 */
public final class ListAction extends AbstractManagerAction implements EventGeneratingAction {
    private static final long serialVersionUID = 1L;

    private final String action;
    private final Class<? extends ResponseEvent> complete;

    private ListAction(String action, Class<? extends ResponseEvent> complete) {
        this.action = action;
        this.complete = complete;
    }

    /** {@code Action: DeviceStateList}. */
    public static ListAction deviceStateList() {
        return new ListAction("DeviceStateList", DeviceStateListCompleteEvent.class);
    }

    /** {@code Action: ExtensionStateList}. */
    public static ListAction extensionStateList() {
        return new ListAction("ExtensionStateList", ExtensionStateListCompleteEvent.class);
    }

    @Override
    public String getAction() {
        return action;
    }

    @Override
    public Class<? extends ResponseEvent> getActionCompleteEventClass() {
        return complete;
    }
}
