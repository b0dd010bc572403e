package io.github.astreg.testkit.internal;

/** Asterisk device states in their three vocabularies (enum name, EndpointList text, extension status). */
public final class DeviceStates {
    public static final String NOT_INUSE = "NOT_INUSE";
    public static final String INUSE = "INUSE";
    public static final String BUSY = "BUSY";
    public static final String UNAVAILABLE = "UNAVAILABLE";
    public static final String RINGING = "RINGING";
    public static final String RINGINUSE = "RINGINUSE";
    public static final String ONHOLD = "ONHOLD";

    private DeviceStates() {}

    /** ExtensionStatus {@code Status:} bit mask for a device state. */
    public static int extensionStatus(String deviceState) {
        switch (deviceState) {
            case NOT_INUSE:
                return 0;
            case INUSE:
                return 1;
            case BUSY:
                return 2;
            case UNAVAILABLE:
                return 4;
            case RINGING:
                return 8;
            case RINGINUSE:
                return 9;
            case ONHOLD:
                return 16;
            default:
                return -1;
        }
    }

    /** ExtensionStatus {@code StatusText:} for a device state. */
    public static String extensionStatusText(String deviceState) {
        switch (deviceState) {
            case NOT_INUSE:
                return "Idle";
            case INUSE:
                return "InUse";
            case BUSY:
                return "Busy";
            case UNAVAILABLE:
                return "Unavailable";
            case RINGING:
                return "Ringing";
            case RINGINUSE:
                return "InUse&Ringing";
            case ONHOLD:
                return "Hold";
            default:
                return "Unknown";
        }
    }

    /** PJSIP EndpointList {@code DeviceState:} text (ast_devstate2str). */
    public static String describe(String deviceState) {
        switch (deviceState) {
            case NOT_INUSE:
                return "Not in use";
            case INUSE:
                return "In use";
            case BUSY:
                return "Busy";
            case UNAVAILABLE:
                return "Unavailable";
            case RINGING:
                return "Ringing";
            case RINGINUSE:
                return "Ring+Inuse";
            case ONHOLD:
                return "On Hold";
            default:
                return "Unknown";
        }
    }
}
