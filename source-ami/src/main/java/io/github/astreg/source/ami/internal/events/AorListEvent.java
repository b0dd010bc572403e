package io.github.astreg.source.ami.internal.events;

import org.asteriskjava.manager.AsteriskMapping;

/** The AMI {@code AorList} frame (asterisk-java has no usable class for it); headers kept by name. */
@AsteriskMapping("AorList")
public final class AorListEvent extends HeaderEvent {
    private static final long serialVersionUID = 1L;

    public AorListEvent(Object source) {
        super(source);
    }

    public void setObjectType(String v) {
        header("ObjectType", v);
    }

    public void setObjectName(String v) {
        header("ObjectName", v);
    }

    public void setMinimumExpiration(String v) {
        header("MinimumExpiration", v);
    }

    public void setDefaultExpiration(String v) {
        header("DefaultExpiration", v);
    }

    public void setQualifyTimeout(String v) {
        header("QualifyTimeout", v);
    }

    public void setQualify2xxOnly(String v) {
        header("Qualify2xxOnly", v);
    }

    public void setMailboxes(String v) {
        header("Mailboxes", v);
    }

    public void setSupportPath(String v) {
        header("SupportPath", v);
    }

    public void setRemoveUnavailable(String v) {
        header("RemoveUnavailable", v);
    }

    public void setVoicemailExtension(String v) {
        header("VoicemailExtension", v);
    }

    public void setMaxContacts(String v) {
        header("MaxContacts", v);
    }

    public void setAuthenticateQualify(String v) {
        header("AuthenticateQualify", v);
    }

    public void setContacts(String v) {
        header("Contacts", v);
    }

    public void setMaximumExpiration(String v) {
        header("MaximumExpiration", v);
    }

    public void setQualifyFrequency(String v) {
        header("QualifyFrequency", v);
    }

    public void setRemoveExisting(String v) {
        header("RemoveExisting", v);
    }

    public void setOutboundProxy(String v) {
        header("OutboundProxy", v);
    }
}
