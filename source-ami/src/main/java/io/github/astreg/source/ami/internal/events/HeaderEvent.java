package io.github.astreg.source.ami.internal.events;

import io.github.astreg.source.ami.internal.Headers;
import java.util.LinkedHashMap;
import java.util.Map;
import org.asteriskjava.manager.event.ResponseEvent;

/**
 * Base of the event classes this module registers with asterisk-java for frames it has no (usable)
 * class for. It extends {@link ResponseEvent} so that list items are collected by
 * {@code sendEventGeneratingAction}; every header asterisk-java sets through a setter is also kept
 * by name, so the mapping reads the frame as Asterisk wrote it.
 */
public abstract class HeaderEvent extends ResponseEvent {
    private static final long serialVersionUID = 1L;

    private final Map<String, String> headers = new LinkedHashMap<>();

    protected HeaderEvent(Object source) {
        super(source);
    }

    /** Records one header; called by the setters of subclasses. */
    protected final void header(String name, HeaderValue value) {
        if (value != null && value.text() != null) {
            headers.put(name, value.text());
        }
    }

    /**
     * The headers of the frame, with {@code SystemName} and {@code ActionID} when present, and the
     * event's {@code Timestamp} already parsed ({@link Headers#parsedTimestamp()}).
     */
    public final Headers headers() {
        Headers.Builder b = Headers.builder();
        headers.forEach(b::put);
        b.timestamp(io.github.astreg.source.ami.internal.AmiMapping.timestamp(getTimestamp())
                .orElse(null));
        b.put("SystemName", getSystemName());
        b.put("ActionID", getActionId());
        return b.build();
    }

    public void setEventList(HeaderValue v) {
        header("EventList", v);
    }

    public void setListItems(HeaderValue v) {
        header("ListItems", v);
    }
}
