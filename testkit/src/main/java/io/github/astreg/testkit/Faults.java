package io.github.astreg.testkit;

import io.github.astreg.testkit.internal.AmiServer;
import io.github.astreg.testkit.internal.FaultState;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Fault injection for one {@link FakeAsterisk}: slow answers, errors to actions, and bad bytes on
 * the wire. Obtain it with {@link FakeAsterisk#faults()}. Thread-safe.
 */
public final class Faults {
    private final FaultState state;
    private final Supplier<AmiServer> ami;
    private final Runnable ariGarbage;
    private final Runnable ariTruncated;

    Faults(FaultState state, Supplier<AmiServer> ami, Runnable ariGarbage, Runnable ariTruncated) {
        this.state = state;
        this.ami = ami;
        this.ariGarbage = ariGarbage;
        this.ariTruncated = ariTruncated;
    }

    /** Delays every AMI action response and ARI HTTP answer by {@code delay} (zero turns it off). */
    public Faults slowResponses(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative");
        }
        state.responseDelay(delay);
        return this;
    }

    /** Answers every AMI action named {@code action} with {@code Response: Error} and {@code message}. */
    public Faults failAction(String action, String message) {
        state.failAction(Objects.requireNonNull(action, "action"), Objects.requireNonNull(message, "message"));
        return this;
    }

    /**
     * Answers ARI REST requests whose path starts with {@code pathPrefix} (e.g. {@code /ari/endpoints})
     * with HTTP {@code status} and {@code {"message": message}}.
     */
    public Faults failAri(String pathPrefix, int status, String message) {
        Objects.requireNonNull(pathPrefix, "pathPrefix");
        Objects.requireNonNull(message, "message");
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("status must be 400..599");
        }
        state.failAri(pathPrefix, status, message);
        return this;
    }

    /** Sends {@code text} verbatim to every logged-in AMI client (e.g. {@code "garbage\r\n\r\n"}). */
    public Faults amiRaw(String text) {
        ami.get().injectRaw(Objects.requireNonNull(text, "text"), false);
        return this;
    }

    /**
     * Sends {@code text}, pre-rendered AMI events, verbatim to every logged-in AMI client that
     * receives events, as Asterisk delivers events: a client logged in with {@code Events: off} gets
     * none (unlike {@link #amiRaw}). For load tests that render many events up front.
     */
    public Faults amiRawEvents(String text) {
        ami.get().injectRawEvents(Objects.requireNonNull(text, "text"));
        return this;
    }

    /** Sends a line without a colon followed by an empty line to every logged-in AMI client. */
    public Faults amiGarbageLine() {
        return amiRaw("this is not an AMI header\r\n\r\n");
    }

    /** Sends an event whose single header line is {@code length} characters long. */
    public Faults amiOversizeLine(int length) {
        if (length < 1) {
            throw new IllegalArgumentException("length must be positive");
        }
        return amiRaw("Event: ContactStatus\r\nURI: " + "x".repeat(length) + "\r\n\r\n");
    }

    /** Sends half an event to every logged-in AMI client, then closes their connections. */
    public Faults amiTruncatedFrame() {
        ami.get().injectRaw("Event: ContactStatus\r\nPrivilege: system,all\r\nURI: sip:10", true);
        return this;
    }

    /** Sends a text frame that is not JSON to every ARI websocket. */
    public Faults ariGarbageFrame() {
        ariGarbage.run();
        return this;
    }

    /** Sends half a websocket frame to every ARI websocket, then closes the TCP connection. */
    public Faults ariTruncatedFrame() {
        ariTruncated.run();
        return this;
    }

    /** Turns every switch off (slow responses, failing AMI actions and ARI requests). */
    public Faults reset() {
        state.reset();
        return this;
    }
}
