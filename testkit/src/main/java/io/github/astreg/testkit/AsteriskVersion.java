package io.github.astreg.testkit;

/**
 * Which real Asterisk a {@link FakeAsterisk} imitates. The flavour decides the AMI banner and
 * version strings, the ARI version in {@code /ari/asterisk/info} and {@code resources.json}, and
 * whether chan_sip ({@code SIP/} peers) exists.
 */
public enum AsteriskVersion {
    /** Asterisk 22.10.1: AMI 11.0.0, ARI 10.0.0, res_pjsip only. */
    ASTERISK_22("22.10.1", "11.0.0", "10.0.0", false),
    /** Asterisk 20.20.1: AMI 9.0.0, ARI 8.0.0, res_pjsip and chan_sip. */
    ASTERISK_20("20.20.1", "9.0.0", "8.0.0", true);

    private final String asteriskVersion;
    private final String amiVersion;
    private final String ariVersion;
    private final boolean chanSip;

    AsteriskVersion(String asteriskVersion, String amiVersion, String ariVersion, boolean chanSip) {
        this.asteriskVersion = asteriskVersion;
        this.amiVersion = amiVersion;
        this.ariVersion = ariVersion;
        this.chanSip = chanSip;
    }

    /** The Asterisk release string, e.g. {@code 22.10.1}. */
    public String asteriskVersion() {
        return asteriskVersion;
    }

    /** The AMI version, as in the banner {@code Asterisk Call Manager/11.0.0}. */
    public String amiVersion() {
        return amiVersion;
    }

    /** The ARI version, e.g. {@code 10.0.0}. */
    public String ariVersion() {
        return ariVersion;
    }

    /** Whether chan_sip (technology {@code SIP}) is loaded. */
    public boolean hasChanSip() {
        return chanSip;
    }
}
