package io.github.astreg.source.ami.internal.events;

import org.asteriskjava.manager.response.CoreStatusResponse;

/**
 * CoreStatus response that also accepts {@code CoreProcessedCalls}, which Asterisk sends and
 * asterisk-java 3.41 warns about on every call ("no setter").
 */
public final class CoreStatusFullResponse extends CoreStatusResponse {
    private static final long serialVersionUID = 1L;

    private String coreProcessedCalls;

    public String getCoreProcessedCalls() {
        return coreProcessedCalls;
    }

    public void setCoreProcessedCalls(String v) {
        this.coreProcessedCalls = v;
    }
}
