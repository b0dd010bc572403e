package io.github.astreg.testkit;

import io.github.astreg.testkit.internal.NodeModel;
import java.util.Optional;

/**
 * One call on a {@link FakeAsterisk}, started with {@link FakeAsterisk#call(String, String)}. Each
 * method emits what Asterisk emits for that step (channel events, device states, extension states)
 * and is a no-op when it does not apply (answering twice, holding an ended call).
 *
 * <p>Thread-safe.
 */
public final class Call {
    private final NodeModel model;
    private final NodeModel.CallState state;

    Call(NodeModel model, NodeModel.CallState state) {
        this.model = model;
        this.state = state;
    }

    /** The callee answers (a call to a dialplan application is answered at once). */
    public Call answer() {
        model.answer(state);
        return this;
    }

    /** The caller puts the call on hold: the held callee becomes ONHOLD, the caller stays INUSE. */
    public Call hold() {
        model.hold(state);
        return this;
    }

    /** The caller resumes the call. */
    public Call unhold() {
        model.unhold(state);
        return this;
    }

    /** The caller hangs up (BYE when answered, CANCEL while the callee rings). */
    public Call hangup() {
        model.hangup(state);
        return this;
    }

    /** Whether the call has been answered. */
    public boolean answered() {
        return state.answered();
    }

    /** Whether the call has ended. */
    public boolean ended() {
        return state.ended();
    }

    /** The caller's channel name, e.g. {@code PJSIP/1001-00000000}. */
    public String callerChannel() {
        return state.callerChannel();
    }

    /** The callee's channel name when the call rings a local endpoint. */
    public Optional<String> calleeChannel() {
        return state.calleeChannel();
    }
}
