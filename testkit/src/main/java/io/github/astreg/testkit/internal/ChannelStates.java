package io.github.astreg.testkit.internal;

/** Asterisk channel state numbers (AST_STATE_*) and their AMI/ARI names. */
public final class ChannelStates {
    public static final int DOWN = 0;
    public static final int RING = 4;
    public static final int RINGING = 5;
    public static final int UP = 6;

    private ChannelStates() {}

    /** The ChannelStateDesc / ARI state text. */
    public static String describe(int state) {
        switch (state) {
            case DOWN:
                return "Down";
            case 1:
                return "Rsrvd";
            case 2:
                return "OffHook";
            case 3:
                return "Dialing";
            case RING:
                return "Ring";
            case RINGING:
                return "Ringing";
            case UP:
                return "Up";
            case 7:
                return "Busy";
            default:
                return "Unknown";
        }
    }
}
