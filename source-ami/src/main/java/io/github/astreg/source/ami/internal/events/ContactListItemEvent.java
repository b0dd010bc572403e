package io.github.astreg.source.ami.internal.events;

import org.asteriskjava.manager.AsteriskMapping;

/** The AMI {@code ContactList} frame (asterisk-java has no usable class for it); headers kept by name. */
@AsteriskMapping("ContactList")
public final class ContactListItemEvent extends HeaderEvent {
    private static final long serialVersionUID = 1L;

    public ContactListItemEvent(Object source) {
        super(source);
    }

    public void setObjectType(HeaderValue v) {
        header("ObjectType", v);
    }

    public void setObjectName(HeaderValue v) {
        header("ObjectName", v);
    }

    public void setViaAddr(HeaderValue v) {
        header("ViaAddr", v);
    }

    public void setQualifyTimeout(HeaderValue v) {
        header("QualifyTimeout", v);
    }

    public void setQualify2xxOnly(HeaderValue v) {
        header("Qualify2xxOnly", v);
    }

    public void setCallId(HeaderValue v) {
        header("CallId", v);
    }

    public void setRegServer(HeaderValue v) {
        header("RegServer", v);
    }

    public void setPruneOnBoot(HeaderValue v) {
        header("PruneOnBoot", v);
    }

    public void setPath(HeaderValue v) {
        header("Path", v);
    }

    public void setEndpoint(HeaderValue v) {
        header("Endpoint", v);
    }

    public void setViaPort(HeaderValue v) {
        header("ViaPort", v);
    }

    public void setAuthenticateQualify(HeaderValue v) {
        header("AuthenticateQualify", v);
    }

    public void setUri(HeaderValue v) {
        header("Uri", v);
    }

    public void setQualifyFrequency(HeaderValue v) {
        header("QualifyFrequency", v);
    }

    public void setUserAgent(HeaderValue v) {
        header("UserAgent", v);
    }

    public void setExpirationTime(HeaderValue v) {
        header("ExpirationTime", v);
    }

    public void setOutboundProxy(HeaderValue v) {
        header("OutboundProxy", v);
    }

    public void setStatus(HeaderValue v) {
        header("Status", v);
    }

    public void setRoundtripUsec(HeaderValue v) {
        header("RoundtripUsec", v);
    }
}
