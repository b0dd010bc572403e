package io.github.astreg.source.ami.internal.events;

import org.asteriskjava.manager.AsteriskMapping;

/** The AMI {@code AorList} frame (asterisk-java has no usable class for it); headers kept by name. */
@AsteriskMapping("AorList")
public final class AorListEvent extends HeaderEvent {
    private static final long serialVersionUID = 1L;

    public AorListEvent(Object source) {
        super(source);
    }

    public void setObjectType(HeaderValue v) {
        header("ObjectType", v);
    }

    public void setObjectName(HeaderValue v) {
        header("ObjectName", v);
    }

    public void setMinimumExpiration(HeaderValue v) {
        header("MinimumExpiration", v);
    }

    public void setDefaultExpiration(HeaderValue v) {
        header("DefaultExpiration", v);
    }

    public void setQualifyTimeout(HeaderValue v) {
        header("QualifyTimeout", v);
    }

    public void setQualify2xxOnly(HeaderValue v) {
        header("Qualify2xxOnly", v);
    }

    public void setMailboxes(HeaderValue v) {
        header("Mailboxes", v);
    }

    public void setSupportPath(HeaderValue v) {
        header("SupportPath", v);
    }

    public void setRemoveUnavailable(HeaderValue v) {
        header("RemoveUnavailable", v);
    }

    public void setVoicemailExtension(HeaderValue v) {
        header("VoicemailExtension", v);
    }

    public void setMaxContacts(HeaderValue v) {
        header("MaxContacts", v);
    }

    public void setAuthenticateQualify(HeaderValue v) {
        header("AuthenticateQualify", v);
    }

    public void setContacts(HeaderValue v) {
        header("Contacts", v);
    }

    public void setMaximumExpiration(HeaderValue v) {
        header("MaximumExpiration", v);
    }

    public void setQualifyFrequency(HeaderValue v) {
        header("QualifyFrequency", v);
    }

    public void setRemoveExisting(HeaderValue v) {
        header("RemoveExisting", v);
    }

    public void setOutboundProxy(HeaderValue v) {
        header("OutboundProxy", v);
    }
}
