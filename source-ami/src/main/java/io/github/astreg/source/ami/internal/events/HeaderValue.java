package io.github.astreg.source.ami.internal.events;

/**
 * A header value exactly as Asterisk sent it. asterisk-java turns String values such as
 * {@code UNKNOWN}, {@code none} or {@code N/A} into {@code null} before calling a String setter; it
 * hands any other setter type the raw text through a {@code (String)} constructor, so the setters of
 * {@link HeaderEvent} subclasses take this type.
 */
public final class HeaderValue {
    private final String text;

    public HeaderValue(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }

    @Override
    public String toString() {
        return text;
    }
}
