package io.github.astreg.source.ami.internal.events;

import org.asteriskjava.manager.AsteriskMapping;

/** The AMI {@code ContactList} frame (asterisk-java has no usable class for it); headers kept by name. */
@AsteriskMapping("ContactList")
public final class ContactListItemEvent extends HeaderEvent {
    private static final long serialVersionUID = 1L;

    public ContactListItemEvent(Object source) {
        super(source);
    }

    public void setObjectType(String v) {
        header("ObjectType", v);
    }

    public void setObjectName(String v) {
        header("ObjectName", v);
    }

    public void setViaAddr(String v) {
        header("ViaAddr", v);
    }

    public void setQualifyTimeout(String v) {
        header("QualifyTimeout", v);
    }

    public void setQualify2xxOnly(String v) {
        header("Qualify2xxOnly", v);
    }

    public void setCallId(String v) {
        header("CallId", v);
    }

    public void setRegServer(String v) {
        header("RegServer", v);
    }

    public void setPruneOnBoot(String v) {
        header("PruneOnBoot", v);
    }

    public void setPath(String v) {
        header("Path", v);
    }

    public void setEndpoint(String v) {
        header("Endpoint", v);
    }

    public void setViaPort(String v) {
        header("ViaPort", v);
    }

    public void setAuthenticateQualify(String v) {
        header("AuthenticateQualify", v);
    }

    public void setUri(String v) {
        header("Uri", v);
    }

    public void setQualifyFrequency(String v) {
        header("QualifyFrequency", v);
    }

    public void setUserAgent(String v) {
        header("UserAgent", v);
    }

    public void setExpirationTime(String v) {
        header("ExpirationTime", v);
    }

    public void setOutboundProxy(String v) {
        header("OutboundProxy", v);
    }

    public void setStatus(String v) {
        header("Status", v);
    }

    public void setRoundtripUsec(String v) {
        header("RoundtripUsec", v);
    }
}
